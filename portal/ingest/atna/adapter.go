package atna

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

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

// adapt turns one AuditMessage into one event per patient it names (one
// event when it names none, so that the missing patient is reported).
// raw is the AuditMessage element as read, whose hash is the log id (ATNA
// messages carry none); a message about several patients suffixes it with
// "#1", "#2", ... as the RIV parsers do.
func adapt(m *auditMessage, raw []byte) []portal.LogRecord {
	var base portal.Event
	var reason portal.Reason
	var detail string
	fail := func(r portal.Reason, d string) {
		if reason == "" && r != "" {
			reason, detail = r, d
		}
	}
	fail(placeholders(m))

	sum := sha256.Sum256(raw)
	base.SourceLogID = "sha256:" + hex.EncodeToString(sum[:])
	for _, s := range m.AuditSource {
		if id := strings.TrimSpace(s.AuditSourceID); id != "" {
			base.SourceSystem = id
			break
		}
	}
	if s := strings.TrimSpace(m.EventIdentification.EventDateTime); s != "" {
		if t, err := portal.ParseLogTime(s, &base.LocalTime); err == nil {
			base.OccurredAt = t
		} else {
			fail(portal.ReasonInvalidField, "time of access")
		}
	}

	user := requestor(m)
	if user != nil {
		u := ident(user)
		if u.id == "" && u.pid.IsZero() && u.invalid {
			fail(portal.ReasonInvalidField, "user id")
		}
		base.ActorHSAID, base.ActorPersonalID = u.id, u.pid
		base.ActorName = userName(user)
		base.ActorTitle = roleText(user)
	}
	base.ActorUnit, base.ActorProvider = actingParties(m, user)
	base.ResourceType = resourceType(m)
	base.Activity, base.ActivityCode = activity(&m.EventIdentification)
	base.Purpose, base.PurposeCode, base.EmergencyClaimed = purpose(m.EventIdentification.PurposeOfUse)

	pats := patients(m)
	return portal.SplitByPatient(base, reason, detail, pats)
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

func isTrue(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "true" || s == "1"
}

// isProcess tells an application or device from a person: DICOM's
// UserTypeCode 2, a DICOM application or media role (application,
// launcher, source, destination), or a network access point without a
// person's name. Systems are never the user of an access event.
func isProcess(p *activeParticipant) bool {
	if strings.TrimSpace(p.UserTypeCode) == "2" {
		return true
	}
	for _, r := range p.RoleIDCode {
		if dicomProcessRoles[r.code()] {
			return true
		}
	}
	if strings.TrimSpace(p.UserTypeCode) == "1" {
		return false
	}
	return strings.TrimSpace(p.NetworkAccessPointID) != "" && personName(p) == ""
}

// isPatientRole tells a participant acting as the patient (a patient
// portal): role PAT, as the Swiss EPR and HL7 RoleClass write it, or the
// word patient.
func isPatientRole(p *activeParticipant) bool {
	for _, r := range p.RoleIDCode {
		if strings.EqualFold(strings.TrimSpace(r.code()), "PAT") || strings.EqualFold(strings.TrimSpace(r.text()), "patient") {
			return true
		}
	}
	return false
}

// requestor picks the person who made the access among the participants
// marked UserIsRequestor (or, when none is, among all): one with a Swedish
// id, then one with any id, then one known only by name. A patient acting
// for themselves is the user only when no other person requested. Systems
// are never the user: a message that only they requested has none (nil).
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
	var withID, nameOnly, patient *activeParticipant
	for _, p := range cands {
		if isProcess(p) {
			continue
		}
		u := ident(p)
		switch {
		case isPatientRole(p):
			if patient == nil {
				patient = p
			}
		case u.swedish:
			return p
		case u.id != "" || !u.pid.IsZero():
			if withID == nil {
				withID = p
			}
		case nameOnly == nil:
			nameOnly = p
		}
	}
	for _, p := range []*activeParticipant{withID, nameOnly, patient} {
		if p != nil {
			return p
		}
	}
	return nil
}

// userIdent is what identifies a participant.
type userIdent struct {
	id      portal.HSAID      // an HSA-id, or the source's own id as given
	pid     portal.PersonalID // a Swedish personal id, when given
	swedish bool              // id is an HSA-id or pid is set
	invalid bool              // an id in a Swedish scheme is malformed
}

// ident reads a participant's id from UserID, AlternativeUserID and the
// user part of UserName. IHE writes users as "alias<user@issuer>" (XUA),
// as "user@issuer", or as an HL7 CX "ID^^^&OID&ISO". A Swedish HSA-id or
// personal id anywhere wins; otherwise the id is the one the source gives
// (a GLN, an EPR-SPID, "user@issuer"), UserID first. A malformed Swedish
// id is reported rather than replaced by another.
func ident(p *activeParticipant) userIdent {
	var u userIdent
	for _, s := range []string{p.UserID, p.AlternativeUserID, innerUser(p.UserName)} {
		h, id, bad := idOf(s)
		u.invalid = u.invalid || bad
		if u.id == "" && h != "" {
			u.id = h
		}
		if u.pid.IsZero() && !id.IsZero() {
			u.pid = id
		}
	}
	if u.id != "" || !u.pid.IsZero() {
		u.swedish = true
		return u
	}
	if u.invalid {
		return u
	}
	for _, s := range []string{p.UserID, innerUser(p.UserName), p.AlternativeUserID} {
		if v := givenID(s); v != "" {
			u.id = portal.HSAID(v)
			return u
		}
	}
	return u
}

// givenID is an id as the source gives it: the user part of
// "alias<user@issuer>", the ID of an HL7 CX, else the text itself.
func givenID(s string) string {
	s = strings.TrimSpace(s)
	if in := innerUser(s); in != "" {
		s = in
	}
	if strings.Contains(s, "^") {
		s, _, _ = cx(s)
	}
	if portal.IsPlaceholder(s) {
		return ""
	}
	return s
}

// idOf reads a Swedish id: an HSA-id or a personal id. invalid is set
// when the text is in a Swedish scheme but malformed.
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

// personName is userName unless it is a host name, URL or OID, which
// systems put where a person's name goes.
func personName(p *activeParticipant) string {
	n := userName(p)
	if !strings.Contains(n, " ") && strings.ContainsAny(n, ".:/") {
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

// actingParties finds the care unit and provider the user acted for,
// explicit statements first: participants whose role names a unit or a
// provider, participant objects that are organisations of a stated kind,
// the enterprise site id when it is an HSA-id; then an organisation of no
// stated kind or a participant without a network access point that is
// identified by an HSA-id (IHE records the user's organisation that way);
// and last the enterprise site in the source's own id (an OID, say). Ids
// that are not HSA-ids are kept as the message gives them.
func actingParties(m *auditMessage, actor *activeParticipant) (portal.Party, portal.Party) {
	var ps portal.Parties
	var loose []portal.Party
	set := ps.Add
	var actorID portal.HSAID
	if actor != nil {
		actorID = ident(actor).id
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
		u := ident(p)
		party := portal.Party{HSAID: u.id, Name: userName(p)}
		if k := portal.PartyLevelOf(words...); k != portal.LevelUnknown {
			set(k, party)
			continue
		}
		if u.swedish && u.id != "" && u.id != actorID && !isTrue(p.UserIsRequestor) &&
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
		} else {
			party.HSAID = portal.HSAID(givenID(o.ParticipantObjectID))
		}
		k := portal.PartyLevelOf(o.ParticipantObjectIDTypeCode.code(), o.ParticipantObjectIDTypeCode.text())
		if k == portal.LevelUnknown {
			switch strings.TrimSpace(o.ParticipantObjectTypeCodeRole) {
			case roleObjLocation:
				k = portal.LevelUnit
			case roleObjProvider:
				k = portal.LevelProvider
			default:
				k = portal.LevelOrganization
			}
		}
		set(k, party)
	}
	var site portal.Party
	for _, s := range m.AuditSource {
		if id := givenID(s.AuditEnterpriseSiteID); id != "" {
			site = portal.Party{HSAID: portal.HSAID(id)}
			break
		}
	}
	if portal.LooksLikeHSAID(string(site.HSAID)) {
		ps.FallBack(site)
	}
	for _, p := range append(ps.Orgs, loose...) {
		ps.FallBack(p)
	}
	ps.FallBack(site)
	return ps.Unit, ps.Provider
}

// patients reads the participant objects that are patients (type person,
// role patient, or an id of type "patient number"), each once, in order;
// an id is usually an HL7 CX "ID^^^&OID&ISO". A Swedish personal id is
// checked; another scheme's id is kept as a reserve id with its OID.
func patients(m *auditMessage) []portal.PatientRef {
	var out []portal.PatientRef
	seen := map[string]bool{}
	for i := range m.ParticipantObject {
		o := &m.ParticipantObject[i]
		raw := strings.TrimSpace(o.ParticipantObjectID)
		if !isPatient(o) || raw == "" {
			continue
		}
		id, root, ns := cx(raw)
		if root == portal.OIDHSAID {
			continue
		}
		swedish := root == portal.OIDPersonnummer || root == portal.OIDSamordningsnummer ||
			(root == "" && isPersonalIDShape(id))
		p, err := portal.PersonalIDFromOID(root, id)
		if err != nil && root == "" && ns != "" && !swedish {
			p, err = portal.ReserveID(ns, id)
		}
		key := "raw:" + raw
		if err == nil {
			key = string(p.Kind()) + "|" + p.Root() + "|" + p.Digits()
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if err != nil {
			out = append(out, portal.PatientRef{Reason: portal.ReasonInvalidField, Detail: "patient id"})
			continue
		}
		out = append(out, portal.PatientRef{ID: p, Name: xpnName(o.ParticipantObjectName)})
	}
	return out
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
	return portal.ActivityFromAction(e.EventActionCode)
}

// purpose maps PurposeOfUse: HL7 v3 ActReason codes (and the Swiss EPR
// emergency code), or Swedish purpose words. An emergency code wins over
// the others, since it is what the review must see.
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
		p, emergency, ok := portal.PurposeFromActReason(code)
		if !ok {
			p, ok = portal.PurposeFromSwedish(code)
		}
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
