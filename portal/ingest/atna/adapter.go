package atna

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
)

// Codes this adapter recognises (DICOM PS3.16 CID 402 and RFC 3881).
const (
	codeEmergencyOverride = "110127" // DCM "Emergency Override Started"

	objPerson       = "1" // ParticipantObjectTypeCode
	objOrganization = "3"
	roleObjPatient  = "1" // ParticipantObjectTypeCodeRole
	roleObjLocation = "2"
	roleObjProvider = "15"
	roleObjQuery    = "24"
	idTypePatient   = "2" // ParticipantObjectIDTypeCode "Patient Number"
)

// dicomProcessRoles are the DICOM RoleIDCodes of applications and media:
// a participant in one of them is not a person.
var dicomProcessRoles = map[string]bool{
	"110150": true, // Application
	"110151": true, // Application Launcher
	"110152": true, // Destination Role ID
	"110153": true, // Source Role ID
	"110154": true, // Destination Media
	"110155": true, // Source Media
}

// adapt turns one AuditMessage into an event; raw is the AuditMessage
// element as read, whose hash is the log id (ATNA messages carry none).
func adapt(m *auditMessage, raw []byte) (ev portal.Event, reason portal.Reason, detail string) {
	fail := func(r portal.Reason, d string) {
		if reason == "" && r != "" {
			reason, detail = r, d
		}
	}
	fail(placeholders(m))

	sum := sha256.Sum256(raw)
	ev.SourceLogID = "sha256:" + hex.EncodeToString(sum[:])
	for _, s := range m.AuditSource {
		if id := strings.TrimSpace(s.AuditSourceID); id != "" {
			ev.SourceSystem = id
			break
		}
	}
	if s := strings.TrimSpace(m.EventIdentification.EventDateTime); s != "" {
		if t, ok := parseTime(s); ok {
			ev.OccurredAt = t
		} else {
			fail(portal.ReasonInvalidField, "time of access")
		}
	}

	actor := requestor(m)
	if actor != nil {
		hsa, pid, invalid := userIDs(actor)
		if hsa == "" && pid.IsZero() && invalid {
			fail(portal.ReasonInvalidField, "user id")
		}
		ev.ActorHSAID, ev.ActorPersonalID = hsa, pid
		ev.ActorName = userName(actor)
		ev.ActorTitle = roleText(actor)
	}
	ev.ActorUnit, ev.ActorProvider = actingParties(m, actor)
	fail(patient(m, &ev))
	ev.ResourceType = resourceType(m)
	ev.Activity, ev.ActivityCode = activity(&m.EventIdentification)
	ev.Purpose, ev.PurposeCode, ev.EmergencyClaimed = purpose(m.EventIdentification.PurposeOfUse)
	fail(ev.Validate())
	return ev, reason, detail
}

// placeholders catches template skeletons ("?") in the facts an event needs.
func placeholders(m *auditMessage) (portal.Reason, string) {
	if portal.IsPlaceholder(m.EventIdentification.EventDateTime) {
		return portal.ReasonPlaceholder, "time of access"
	}
	if portal.IsPlaceholder(m.EventIdentification.EventActionCode) {
		return portal.ReasonPlaceholder, "activity"
	}
	for _, p := range m.ActiveParticipant {
		if portal.IsPlaceholder(p.UserID) {
			return portal.ReasonPlaceholder, "user id"
		}
	}
	for _, o := range m.ParticipantObject {
		if portal.IsPlaceholder(o.ParticipantObjectID) {
			return portal.ReasonPlaceholder, "participant object id"
		}
	}
	for _, s := range m.AuditSource {
		if portal.IsPlaceholder(s.AuditSourceID) {
			return portal.ReasonPlaceholder, "audit source id"
		}
	}
	return "", ""
}

// parseTime reads xs:dateTime. Without a zone, Swedish systems log local
// time, so the time is read as Stockholm time.
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, portal.Stockholm); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func isTrue(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "true" || s == "1"
}

func isFalse(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "false" || s == "0"
}

// isProcess tells an application or device from a person: DICOM's
// UserTypeCode when given, else a network access point or a DICOM
// application role.
func isProcess(p *activeParticipant) bool {
	switch strings.TrimSpace(p.UserTypeCode) {
	case "1":
		return false
	case "2":
		return true
	}
	if strings.TrimSpace(p.NetworkAccessPointID) != "" {
		return true
	}
	for _, r := range p.RoleIDCode {
		if dicomProcessRoles[r.code()] {
			return true
		}
	}
	return false
}

// requestor picks the participant who made the access: among those marked
// UserIsRequestor (or, when none is, among all) a person with a Swedish
// id, then any person, then the first marked participant.
func requestor(m *auditMessage) *activeParticipant {
	var marked []*activeParticipant
	for i := range m.ActiveParticipant {
		if isTrue(m.ActiveParticipant[i].UserIsRequestor) {
			marked = append(marked, &m.ActiveParticipant[i])
		}
	}
	cands := marked
	if len(cands) == 0 {
		for i := range m.ActiveParticipant {
			cands = append(cands, &m.ActiveParticipant[i])
		}
	}
	var person *activeParticipant
	for _, p := range cands {
		if isProcess(p) {
			continue
		}
		if hsa, pid, _ := userIDs(p); hsa != "" || !pid.IsZero() {
			return p
		}
		if person == nil {
			person = p
		}
	}
	if person != nil {
		return person
	}
	if len(marked) > 0 {
		return marked[0]
	}
	return nil
}

// userIDs reads an HSA-id or a personal id from UserID, AlternativeUserID
// and the user part of UserName. IHE writes users as "alias<user@issuer>"
// (XUA), as "user@issuer", or as an HL7 CX "ID^^^&OID&ISO".
func userIDs(p *activeParticipant) (hsa portal.HSAID, pid portal.PersonalID, invalid bool) {
	for _, s := range []string{p.UserID, p.AlternativeUserID, innerUser(p.UserName)} {
		h, id, bad := idOf(s)
		invalid = invalid || bad
		if hsa == "" && h != "" {
			hsa = h
		}
		if pid.IsZero() && !id.IsZero() {
			pid = id
		}
	}
	return hsa, pid, invalid
}

func idOf(s string) (hsa portal.HSAID, pid portal.PersonalID, invalid bool) {
	s = strings.TrimSpace(s)
	if in := innerUser(s); in != "" {
		s = in
	}
	if strings.Contains(s, "^") {
		id, root, _ := cx(s)
		switch root {
		case portal.OIDHSAID:
			h, err := portal.ParseHSAID(id)
			return h, pid, err != nil
		case portal.OIDPersonnummer, portal.OIDSamordningsnummer:
			p, err := portal.PersonalIDFromOID(root, id)
			return hsa, p, err != nil
		}
		return hsa, pid, false
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if portal.LooksLikeHSAID(s) {
		return portal.HSAID(s), pid, false
	}
	if isPersonalIDShape(s) {
		p, err := portal.ParsePersonalID(s)
		return hsa, p, err != nil
	}
	return hsa, pid, false
}

// isPersonalIDShape: 12 digits, optionally with '-' or '+' before the
// last four. Other numbers (a Swiss GLN, an EPR-SPID) are not ours.
func isPersonalIDShape(s string) bool {
	if len(s) == 13 && (s[8] == '-' || s[8] == '+') {
		s = s[:8] + s[9:]
	}
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// innerUser returns "user@issuer" from "alias<user@issuer>".
func innerUser(s string) string {
	i := strings.IndexByte(s, '<')
	j := strings.LastIndexByte(s, '>')
	if i < 0 || j < i {
		return ""
	}
	return strings.TrimSpace(s[i+1 : j])
}

// userName is the alias of "alias<user@issuer>" or the plain UserName; a
// code is never taken for a name.
func userName(p *activeParticipant) string {
	n := p.UserName
	if i := strings.IndexByte(n, '<'); i >= 0 {
		n = n[:i]
	}
	n = strings.TrimSpace(n)
	if n == "" || n == strings.TrimSpace(p.UserID) || portal.LooksLikeHSAID(n) || isPersonalIDShape(n) {
		return ""
	}
	return n
}

func roleText(p *activeParticipant) string {
	for _, r := range p.RoleIDCode {
		if dicomProcessRoles[r.code()] {
			continue
		}
		if t := strings.TrimSpace(r.text()); t != "" {
			return t
		}
	}
	return ""
}

// cx splits an HL7 CX value "ID^^^namespace&OID&ISO" into the id, the
// assigning authority's OID and its namespace.
func cx(s string) (id, root, ns string) {
	parts := strings.Split(s, "^")
	id = strings.TrimSpace(parts[0])
	if len(parts) >= 4 {
		sub := strings.Split(parts[3], "&")
		ns = strings.TrimSpace(sub[0])
		if len(sub) >= 2 {
			root = strings.TrimPrefix(strings.TrimSpace(sub[1]), "urn:oid:")
		}
	}
	return id, root, ns
}

type partyKind int

const (
	kindNone partyKind = iota
	kindUnit
	kindProvider
	kindOrganization // an organisation the message does not classify
)

// kindOfWords classifies an organisation by the codes and words Swedish
// and HL7 messages use for a care unit and a care provider.
func kindOfWords(words ...string) partyKind {
	for _, w := range words {
		switch strings.ToLower(strings.TrimSpace(w)) {
		case "vårdenhet", "vardenhet", "care unit", "careunit", "sdloc", "healthcare unit", "enhet":
			return kindUnit
		case "vårdgivare", "vardgivare", "care provider", "careprovider", "prov", "healthcare provider":
			return kindProvider
		}
	}
	return kindNone
}

// actingParties finds the care unit and provider the user acted for,
// explicit statements first: participants whose role names a unit or a
// provider, participant objects that are organisations of a stated kind,
// the enterprise site id when it is an HSA-id, and last an organisation of
// no stated kind or a participant without a network access point that is
// identified by an HSA-id (IHE records the user's organisation that way).
func actingParties(m *auditMessage, actor *activeParticipant) (unit, provider portal.Party) {
	var orgs, loose []portal.Party
	set := func(k partyKind, p portal.Party) {
		if p == (portal.Party{}) {
			return
		}
		switch k {
		case kindUnit:
			if unit == (portal.Party{}) {
				unit = p
			}
		case kindProvider:
			if provider == (portal.Party{}) {
				provider = p
			}
		case kindOrganization:
			orgs = append(orgs, p)
		}
	}
	var actorHSA portal.HSAID
	if actor != nil {
		actorHSA, _, _ = userIDs(actor)
	}
	for i := range m.ActiveParticipant {
		p := &m.ActiveParticipant[i]
		if p == actor {
			continue
		}
		var words []string
		for _, r := range p.RoleIDCode {
			words = append(words, r.code(), r.text())
		}
		hsa, _, _ := userIDs(p)
		party := portal.Party{HSAID: hsa, Name: userName(p)}
		if k := kindOfWords(words...); k != kindNone {
			set(k, party)
			continue
		}
		if hsa != "" && hsa != actorHSA && !isTrue(p.UserIsRequestor) &&
			strings.TrimSpace(p.UserTypeCode) != "1" && !isProcess(p) {
			loose = append(loose, party)
		}
	}
	for _, o := range m.ParticipantObject {
		if strings.TrimSpace(o.ParticipantObjectTypeCode) != objOrganization {
			continue
		}
		party := portal.Party{Name: strings.TrimSpace(o.ParticipantObjectName)}
		if h, _, _ := idOf(o.ParticipantObjectID); h != "" {
			party.HSAID = h
		}
		k := kindOfWords(o.ParticipantObjectIDTypeCode.code(), o.ParticipantObjectIDTypeCode.text())
		if k == kindNone {
			switch strings.TrimSpace(o.ParticipantObjectTypeCodeRole) {
			case roleObjLocation:
				k = kindUnit
			case roleObjProvider:
				k = kindProvider
			default:
				k = kindOrganization
			}
		}
		set(k, party)
	}
	if unit == (portal.Party{}) {
		for _, s := range m.AuditSource {
			if site := strings.TrimSpace(s.AuditEnterpriseSiteID); portal.LooksLikeHSAID(site) {
				unit = portal.Party{HSAID: portal.HSAID(site)}
				break
			}
		}
	}
	for _, p := range append(orgs, loose...) {
		if unit == (portal.Party{}) {
			unit = p
		}
	}
	return unit, provider
}

// patient reads the participant object that is the patient (type person,
// role patient, or an id of type "patient number"); its id is usually an
// HL7 CX "ID^^^&OID&ISO".
func patient(m *auditMessage, ev *portal.Event) (portal.Reason, string) {
	var cands []*participantObject
	for i := range m.ParticipantObject {
		o := &m.ParticipantObject[i]
		if isPatient(o) && strings.TrimSpace(o.ParticipantObjectID) != "" {
			cands = append(cands, o)
		}
	}
	// A Swedish personal id outranks a foreign or local one.
	for pass := 0; pass < 2; pass++ {
		for _, o := range cands {
			id, root, ns := cx(o.ParticipantObjectID)
			swedish := root == portal.OIDPersonnummer || root == portal.OIDSamordningsnummer ||
				(root == "" && isPersonalIDShape(id))
			if root == portal.OIDHSAID || (pass == 0 && !swedish) {
				continue
			}
			p, err := portal.PersonalIDFromOID(root, id)
			if err != nil && root == "" && ns != "" && !swedish {
				p, err = portal.ReserveID(ns, id)
			}
			if err != nil {
				return portal.ReasonInvalidField, "patient id"
			}
			ev.Patient, ev.PatientName = p, xpnName(o.ParticipantObjectName)
			return "", ""
		}
	}
	return "", ""
}

func isPatient(o *participantObject) bool {
	if strings.TrimSpace(o.ParticipantObjectTypeCode) == objPerson &&
		strings.TrimSpace(o.ParticipantObjectTypeCodeRole) == roleObjPatient {
		return true
	}
	sys := strings.ToUpper(strings.TrimSpace(o.ParticipantObjectIDTypeCode.CodeSystemName))
	return o.ParticipantObjectIDTypeCode.code() == idTypePatient &&
		(sys == "" || sys == "RFC-3881" || sys == "RFC3881")
}

// xpnName turns an HL7 XPN "family^given^middle" into "given middle family".
func xpnName(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "^") {
		return s
	}
	parts := strings.Split(s, "^")
	var out []string
	for _, i := range []int{1, 2, 0} {
		if i < len(parts) && strings.TrimSpace(parts[i]) != "" {
			out = append(out, strings.TrimSpace(parts[i]))
		}
	}
	return strings.Join(out, " ")
}

// resourceType is the kind of data object accessed: a participant object
// that is neither person nor organisation, a query last.
func resourceType(m *auditMessage) string {
	var query string
	for i := range m.ParticipantObject {
		o := &m.ParticipantObject[i]
		if isPatient(o) {
			continue
		}
		switch strings.TrimSpace(o.ParticipantObjectTypeCode) {
		case objPerson, objOrganization:
			continue
		}
		t := strings.TrimSpace(o.ParticipantObjectIDTypeCode.text())
		if t == "" {
			t = strings.TrimSpace(o.ParticipantObjectIDTypeCode.code())
		}
		if t == "" {
			continue
		}
		if strings.TrimSpace(o.ParticipantObjectTypeCodeRole) == roleObjQuery {
			if query == "" {
				query = t
			}
			continue
		}
		return t
	}
	return query
}

// activity maps EventActionCode, unless the event type says more: an
// emergency override, or a Swedish activity word.
func activity(e *eventIdentification) (portal.Activity, string) {
	for _, c := range append([]codedValue{e.EventID}, e.EventTypeCode...) {
		if c.code() == codeEmergencyOverride {
			return portal.ActivityEmergency, c.code()
		}
	}
	for _, c := range e.EventTypeCode {
		for _, s := range []string{c.text(), c.code()} {
			if act, ok := portal.ActivityFromSwedish(s); ok {
				return act, s
			}
		}
	}
	code := strings.TrimSpace(e.EventActionCode)
	switch strings.ToUpper(code) {
	case "":
		return "", ""
	case "C", "U":
		return portal.ActivityWrite, code
	case "R":
		return portal.ActivityRead, code
	case "D":
		return portal.ActivityDelete, code
	}
	return portal.ActivityOther, code
}

// purpose maps PurposeOfUse: HL7 v3 ActReason codes, the Swiss EPR codes
// in the public examples, or Swedish purpose words. An emergency code wins
// over the others, since it is what the review must see.
func purpose(cs []codedValue) (portal.Purpose, string, bool) {
	var first, known string
	var knownP portal.Purpose
	for _, c := range cs {
		code := strings.TrimSpace(c.code())
		if code == "" {
			code = strings.TrimSpace(c.text())
		}
		if code == "" {
			continue
		}
		if first == "" {
			first = code
		}
		p, emergency, ok := purposeOf(code)
		if !ok {
			p, ok = portal.PurposeFromSwedish(c.text())
		}
		if emergency {
			return p, code, true
		}
		if ok && known == "" {
			known, knownP = code, p
		}
	}
	if known != "" {
		return knownP, known, false
	}
	if first != "" {
		return portal.PurposeOther, first, false
	}
	return "", "", false
}

func purposeOf(code string) (p portal.Purpose, emergency, ok bool) {
	switch strings.ToUpper(code) {
	case "ETREAT", "BTG", "ERTREAT", "EMER":
		return portal.PurposeCare, true, true
	case "TREAT", "CAREMGT", "POPHLTH", "COC":
		return portal.PurposeCare, false, true
	case "HOPERAT", "HPAYMT", "HSYSADMIN", "HACCRED", "CLMATTCH", "COVAUTH", "COVERAGE",
		"ELIGDTRM", "ELIGVER", "ENROLLM", "MEMADMIN":
		return portal.PurposeAdministration, false, true
	case "HQUALIMP", "HOUTCOMS":
		return portal.PurposeQualityAssurance, false, true
	case "HRESCH", "CLINTRCH":
		return portal.PurposeStatistics, false, true
	case "PATRQT", "FAMRQT", "PWATRNY", "SUPNWK", "HMARKT", "PUBHLTH", "HLEGAL", "LEGAL":
		return portal.PurposeOther, false, true
	}
	if p, ok := portal.PurposeFromSwedish(code); ok {
		return p, false, true
	}
	return portal.PurposeOther, false, false
}
