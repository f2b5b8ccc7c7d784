package fhir

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/insyn/insyn/portal"
)

// Code systems and codes this adapter recognises. BALP and the FHIR core
// examples use the HL7 terminology URLs; older exporters write the OIDs.
const (
	sysObjectRole     = "http://terminology.hl7.org/CodeSystem/object-role"
	sysObjectRoleOld  = "http://hl7.org/fhir/object-role"
	sysDICOM          = "http://dicom.nema.org/resources/ontology/DCM"
	sysResourceTypes  = "http://hl7.org/fhir/resource-types"
	sysParticipation  = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	sysRoleClass      = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
	sysBALPAgentTypes = "https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes"
	sysBALPEntity     = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
	sysURI            = "urn:ietf:rfc:3986" // a literal reference is a URI

	codeEmergencyOverride = "110127" // DCM "Emergency Override Started"
	roleQuery             = "24"     // object-role "Query": the search, not data read
)

// adapt turns one AuditEvent into one event per patient it names (one
// event when it names none, so that the missing patient is reported). raw
// is the record as read, for the fallback log id. An AuditEvent about
// several patients suffixes its log id with "#1", "#2", ... as the RIV
// parsers do.
func adapt(ae *auditEvent, raw []byte) []portal.LogRecord {
	if ae.ResourceType != "AuditEvent" {
		return []portal.LogRecord{{Reason: portal.ReasonNotAccessLog, Detail: "resource is not an AuditEvent"}}
	}
	a := adapter{ae: ae}
	var base portal.Event
	var reason portal.Reason
	var detail string
	// Every fact is read even after a failure, so that a quarantined
	// record still shows what it held (an emergency access, say).
	fail := func(r portal.Reason, d string) {
		if reason == "" && r != "" {
			reason, detail = r, d
		}
	}
	fail(a.placeholders())

	base.SourceLogID = strings.TrimSpace(ae.ID)
	if base.SourceLogID == "" {
		sum := sha256.Sum256(raw)
		base.SourceLogID = "sha256:" + hex.EncodeToString(sum[:])
	}
	base.SourceSystem = a.sourceSystem()
	if s := a.timeText(); s != "" {
		if t, err := portal.ParseLogTime(s, &base.LocalTime); err == nil {
			base.OccurredAt = t
		} else {
			fail(portal.ReasonInvalidField, "time of access")
		}
	}
	user, place := a.requestor()
	if user != nil {
		fail(a.actor(user, &base))
	}
	base.ActorUnit, base.ActorProvider = a.actingParties(place)
	base.ResourceType = a.resourceType()
	base.Activity, base.ActivityCode = a.activity()
	base.Purpose, base.PurposeCode, base.EmergencyClaimed = a.purpose(place)

	pats := a.patients()
	return portal.SplitByPatient(base, reason, detail, pats)
}

type adapter struct {
	ae *auditEvent
}

// placeholders catches template skeletons ("?") in the facts an event
// needs, which would otherwise pass as values.
func (a adapter) placeholders() (portal.Reason, string) {
	ae := a.ae
	type field struct{ name, v string }
	check := []field{{"log id", ae.ID}, {"time of access", ae.Recorded}, {"activity", ae.Action}}
	for _, ag := range ae.Agent {
		if ag.Who != nil {
			check = append(check, field{"user name", ag.Who.Display})
			if ag.Who.Identifier != nil {
				check = append(check, field{"user id", ag.Who.Identifier.Value})
			}
		}
	}
	for _, e := range ae.Entity {
		if e.What != nil && e.What.Identifier != nil {
			check = append(check, field{"patient id", e.What.Identifier.Value})
		}
	}
	for _, c := range check {
		if portal.IsPlaceholder(c.v) {
			return portal.ReasonPlaceholder, c.name
		}
	}
	return "", ""
}

func (a adapter) sourceSystem() string {
	if o := a.ae.Source.Observer; o != nil {
		if o.Identifier != nil && strings.TrimSpace(o.Identifier.Value) != "" {
			return strings.TrimSpace(o.Identifier.Value)
		}
		if s := strings.TrimSpace(o.Display); s != "" {
			return s
		}
	}
	if id := a.ae.Source.Identifier; id != nil {
		return strings.TrimSpace(id.Value)
	}
	return ""
}

// timeText is when the access happened: the brief and BALP both treat
// recorded as the time of the event; the period is the fallback.
func (a adapter) timeText() string {
	ae := a.ae
	switch {
	case strings.TrimSpace(ae.Recorded) != "":
		return ae.Recorded
	case ae.Period != nil && ae.Period.Start != "":
		return ae.Period.Start
	case ae.OccurredPeriod != nil && ae.OccurredPeriod.Start != "":
		return ae.OccurredPeriod.Start
	}
	return ae.OccurredDateTime
}

// dicomSystemRoles are the DICOM agent types of applications and media:
// an agent of one of them is a system, not a user.
var dicomSystemRoles = map[string]bool{
	"110150": true, // Application
	"110151": true, // Application Launcher
	"110152": true, // Destination Role ID
	"110153": true, // Source Role ID
	"110154": true, // Destination Media
	"110155": true, // Source Media
}

// isSystem tells an agent that is not a person: a Device (or an
// organisation or place) as who, or a DICOM application, source or
// destination role as type.
func isSystem(ag *agent) bool {
	for _, r := range []*reference{ag.Who, ag.Reference} {
		if r == nil {
			continue
		}
		switch resourceOf(r.Reference) {
		case "Device", "Organization", "Location", "HealthcareService", "Endpoint":
			return true
		}
		switch r.Type {
		case "Device", "Organization", "Location", "HealthcareService", "Endpoint":
			return true
		}
	}
	for _, c := range ag.Type.codings() {
		if dicomSystemRoles[strings.TrimSpace(c.Code)] && (c.System == "" || c.System == sysDICOM) {
			return true
		}
	}
	return false
}

// isPatientAgent tells a patient acting for themselves (a patient portal).
func isPatientAgent(ag *agent) bool {
	return ag.Who != nil && (resourceOf(ag.Who.Reference) == "Patient" || ag.Who.Type == "Patient")
}

// requestor finds the user: the person among the agents marked requestor
// (or, when none is, among all agents) with a Swedish id, then one with any
// id, then one known only by name; a patient acting for themselves only
// when no other person requested. Systems are never the user. place is the
// agent whose location and purpose of use count: the user, or else the
// first requesting agent.
func (a adapter) requestor() (user, place *agent) {
	var marked []*agent
	for i := range a.ae.Agent {
		if a.ae.Agent[i].Requestor {
			marked = append(marked, &a.ae.Agent[i])
		}
	}
	cands := marked
	if len(cands) == 0 {
		for i := range a.ae.Agent {
			cands = append(cands, &a.ae.Agent[i])
		}
	}
	var withID, nameOnly, patient *agent
	for _, ag := range cands {
		if isSystem(ag) {
			continue
		}
		u := a.ident(ag)
		switch {
		case isPatientAgent(ag):
			if patient == nil {
				patient = ag
			}
		case u.swedish:
			if user == nil {
				user = ag
			}
		case u.id != "" || u.invalid:
			if withID == nil {
				withID = ag
			}
		case nameOnly == nil:
			nameOnly = ag
		}
	}
	for _, ag := range []*agent{withID, nameOnly, patient} {
		if user == nil {
			user = ag
		}
	}
	place = user
	if place == nil && len(marked) > 0 {
		place = marked[0]
	}
	return user, place
}

// userIdent is what identifies an agent.
type userIdent struct {
	id      portal.HSAID      // an HSA-id, or the source's own id as given
	pid     portal.PersonalID // a Swedish personal id, when given
	swedish bool              // id is an HSA-id or pid is set
	invalid bool              // an id in a Swedish scheme is malformed
}

// ident reads the agent's id. Its identifiers (who.identifier, a contained
// Practitioner's, STU3 reference.identifier and userId, BALP's ihe-otherId)
// are searched for an HSA-id or a Swedish personal id first; otherwise the
// first identifier value counts as given (a GLN, a login), then altId, then
// a literal reference ("Practitioner/f001"). A display name is not an id.
// A malformed Swedish id is reported rather than replaced by another.
func (a adapter) ident(ag *agent) userIdent {
	var u userIdent
	var ids []identifier
	var ref string
	if ag.Who != nil {
		if ag.Who.Identifier != nil {
			ids = append(ids, *ag.Who.Identifier)
		}
		if c := a.contained(ag.Who.Reference); c != nil {
			ids = append(ids, c.Identifier...)
		}
		ref = strings.TrimSpace(ag.Who.Reference)
	}
	if ag.Reference != nil {
		if ag.Reference.Identifier != nil {
			ids = append(ids, *ag.Reference.Identifier)
		}
		if ref == "" {
			ref = strings.TrimSpace(ag.Reference.Reference)
		}
	}
	if ag.UserID != nil {
		ids = append(ids, *ag.UserID)
	}
	for _, e := range ag.Extension {
		if strings.HasSuffix(e.URL, "ihe-otherId") && e.ValueIdentifier != nil && !isSubjectName(e.ValueIdentifier) {
			ids = append(ids, *e.ValueIdentifier)
		}
	}
	for _, id := range ids {
		sys := oid(id.System)
		v := strings.TrimSpace(id.Value)
		switch {
		case sys == portal.OIDHSAID || (sys == "" && portal.LooksLikeHSAID(v)):
			if h, err := portal.ParseHSAID(v); err == nil {
				if u.id == "" {
					u.id = h
				}
			} else {
				u.invalid = true
			}
		case sys == portal.OIDPersonnummer || sys == portal.OIDSamordningsnummer:
			if p, err := portal.PersonalIDFromOID(sys, v); err == nil {
				if u.pid.IsZero() {
					u.pid = p
				}
			} else {
				u.invalid = true
			}
		}
	}
	if u.id != "" || !u.pid.IsZero() {
		u.swedish = true
		return u
	}
	if u.invalid {
		return u
	}
	given := make([]string, 0, len(ids)+2)
	for _, id := range ids {
		given = append(given, id.Value)
	}
	if !strings.HasPrefix(ref, "#") {
		given = append(given, ag.AltID, ref)
	} else {
		given = append(given, ag.AltID)
	}
	for _, v := range given {
		if v = strings.TrimSpace(v); v != "" && !portal.IsPlaceholder(v) {
			u.id = portal.HSAID(v)
			break
		}
	}
	return u
}

// isSubjectName tells BALP's otherId of type SAML subject-id, which
// holds the user's name (XSPA subject-id), not an id.
func isSubjectName(id *identifier) bool {
	if id.Type == nil {
		return false
	}
	for _, c := range id.Type.codings() {
		if strings.EqualFold(c.Code, "SAML-subject-id") {
			return true
		}
	}
	return false
}

func (a adapter) actor(ag *agent, ev *portal.Event) (portal.Reason, string) {
	u := a.ident(ag)
	if u.id == "" && u.pid.IsZero() && u.invalid {
		return portal.ReasonInvalidField, "user id"
	}
	ev.ActorHSAID, ev.ActorPersonalID = u.id, u.pid
	switch {
	case ag.Who != nil && strings.TrimSpace(ag.Who.Display) != "":
		ev.ActorName = strings.TrimSpace(ag.Who.Display)
	case strings.TrimSpace(ag.Name) != "":
		ev.ActorName = strings.TrimSpace(ag.Name)
	}
	if ev.ActorName == "" && ag.Who != nil {
		if c := a.contained(ag.Who.Reference); c != nil && len(c.Name) > 0 {
			ev.ActorName = strings.TrimSpace(c.Name[0])
		}
	}
	if ev.ActorName == "" {
		for _, e := range ag.Extension {
			if strings.HasSuffix(e.URL, "ihe-otherId") && e.ValueIdentifier != nil && isSubjectName(e.ValueIdentifier) {
				ev.ActorName = strings.TrimSpace(e.ValueIdentifier.Value)
				break
			}
		}
	}
	ev.ActorTitle = title(ag)
	return "", ""
}

// title is the user's role in words. agent.type codes from the
// participation and agent-type systems say how the agent took part
// ("information recipient"), not who the user is, so they are skipped.
func title(ag *agent) string {
	for _, r := range ag.Role {
		if s := conceptText(r, nil); s != "" {
			return s
		}
	}
	skip := map[string]bool{sysParticipation: true, sysDICOM: true, sysBALPAgentTypes: true, sysRoleClass: true}
	return conceptText(ag.Type, skip)
}

func conceptText(c concept, skip map[string]bool) string {
	if s := strings.TrimSpace(c.Text); s != "" {
		return s
	}
	for _, cd := range c.codings() {
		if skip[cd.System] {
			continue
		}
		if s := strings.TrimSpace(cd.Display); s != "" {
			return s
		}
	}
	return ""
}

// kindOfURL classifies an extension by its url.
func kindOfURL(url string) portal.PartyLevel {
	u := strings.ToLower(url)
	for _, k := range []string{"careunit", "care-unit", "vardenhet", "vårdenhet", "healthcareunit"} {
		if strings.Contains(u, k) {
			return portal.LevelUnit
		}
	}
	for _, k := range []string{"careprovider", "care-provider", "vardgivare", "vårdgivare", "healthcareprovider"} {
		if strings.Contains(u, k) {
			return portal.LevelProvider
		}
	}
	return portal.LevelUnknown
}

// actingParties finds the care unit and care provider the user acted for.
// Explicit places come first: the requestor's location and extensions
// that name a unit or provider, then other agents that are organisations,
// then the event's own extensions, then source.site.
func (a adapter) actingParties(req *agent) (portal.Party, portal.Party) {
	var ps portal.Parties
	set := ps.Add
	if req != nil {
		if req.Location != nil {
			set(portal.LevelUnit, a.party(req.Location))
		}
		a.extensionParties(req.Extension, set)
	}
	for i := range a.ae.Agent {
		ag := &a.ae.Agent[i]
		if ag == req || ag.Who == nil {
			continue
		}
		words := []string{ag.Type.Text}
		for _, c := range ag.Type.codings() {
			words = append(words, c.Code, c.Display)
		}
		for _, r := range ag.Role {
			words = append(words, r.Text)
			for _, c := range r.codings() {
				words = append(words, c.Code, c.Display)
			}
		}
		k := portal.PartyLevelOf(words...)
		if k == portal.LevelUnknown {
			switch resourceOf(ag.Who.Reference) {
			case "Location":
				k = portal.LevelUnit
			case "Organization":
				k = portal.LevelOrganization
			}
		}
		if k != portal.LevelUnknown {
			set(k, a.party(ag.Who))
		}
	}
	a.extensionParties(a.ae.Extension, set)
	set(portal.LevelUnit, a.siteParty())
	// An organisation the log names without saying its level is the best
	// statement of where the user acted, but only when nothing says more.
	if len(ps.Orgs) > 0 {
		ps.FallBack(ps.Orgs[0])
	}
	return ps.Unit, ps.Provider
}

// party reads an organisation or location reference: its id (an HSA-id
// from its identifier or a contained resource's; otherwise the first
// identifier value as given; otherwise its literal reference, such as
// "Location/1") and its display name.
func (a adapter) party(r *reference) portal.Party {
	var p portal.Party
	var ids []identifier
	if r.Identifier != nil {
		ids = append(ids, *r.Identifier)
	}
	ref := strings.TrimSpace(r.Reference)
	c := a.contained(ref)
	if c != nil {
		ids = append(ids, c.Identifier...)
	}
	for _, id := range ids {
		if h, ok := hsaOf(id); ok {
			p.HSAID = h
			break
		}
	}
	if p.HSAID == "" {
		for _, id := range ids {
			if v := givenID(id.Value); v != "" {
				p.HSAID = portal.HSAID(v)
				break
			}
		}
	}
	if p.HSAID == "" && !strings.HasPrefix(ref, "#") {
		p.HSAID = portal.HSAID(givenID(ref))
	}
	p.Name = strings.TrimSpace(r.Display)
	if p.Name == "" && c != nil && len(c.Name) > 0 {
		p.Name = strings.TrimSpace(c.Name[0])
	}
	return p
}

// givenID is an id as the log gives it, or "" for none or a placeholder.
func givenID(s string) string {
	s = strings.TrimSpace(s)
	if portal.IsPlaceholder(s) {
		return ""
	}
	return s
}

func (a adapter) extensionParties(exts []extension, set func(portal.PartyLevel, portal.Party)) {
	for _, e := range exts {
		k := kindOfURL(e.URL)
		if k == portal.LevelUnknown {
			continue
		}
		var p portal.Party
		switch {
		case e.ValueReference != nil:
			p = a.party(e.ValueReference)
		case e.ValueIdentifier != nil:
			if h, ok := hsaOf(*e.ValueIdentifier); ok {
				p.HSAID = h
			} else {
				p.HSAID = portal.HSAID(givenID(e.ValueIdentifier.Value))
			}
		case e.ValueCoding != nil:
			p = codingParty(*e.ValueCoding)
		case e.ValueCodeableConcept != nil:
			for _, c := range e.ValueCodeableConcept.codings() {
				if p = codingParty(c); p != (portal.Party{}) {
					break
				}
			}
		case strings.TrimSpace(e.ValueString) != "":
			s := strings.TrimSpace(e.ValueString)
			if portal.LooksLikeHSAID(s) {
				p.HSAID = portal.HSAID(s)
			} else {
				p.Name = s
			}
		}
		set(k, p)
	}
}

func codingParty(c coding) portal.Party {
	var p portal.Party
	if h, ok := hsaOf(identifier{System: c.System, Value: c.Code}); ok {
		p.HSAID = h
	} else {
		p.HSAID = portal.HSAID(givenID(c.Code))
	}
	p.Name = strings.TrimSpace(c.Display)
	return p
}

// siteParty reads source.site. In R5 it is a Location reference. In R4 it
// is free text that the specification describes as a location within the
// enterprise; BALP fills it with host names, which are not care units, so
// only text that is not a host name, URL or OID counts.
func (a adapter) siteParty() portal.Party {
	s := a.ae.Source.Site
	if s.Ref != (reference{}) {
		return a.party(&s.Ref)
	}
	t := strings.TrimSpace(s.Text)
	switch {
	case t == "":
		return portal.Party{}
	case portal.LooksLikeHSAID(t):
		return portal.Party{HSAID: portal.HSAID(t)}
	case !strings.Contains(t, " ") && strings.ContainsAny(t, ".:/"):
		return portal.Party{}
	}
	return portal.Party{Name: t}
}

func hsaOf(id identifier) (portal.HSAID, bool) {
	sys := oid(id.System)
	v := strings.TrimSpace(id.Value)
	if sys == portal.OIDHSAID || (sys == "" && portal.LooksLikeHSAID(v)) {
		if h, err := portal.ParseHSAID(v); err == nil {
			return h, true
		}
	}
	return "", false
}

// patientCand is one place that names a patient, with every id it gives.
type patientCand struct {
	ids     []identifier
	ref     string
	display string
}

// patients finds whose information was accessed, each patient once. R5
// AuditEvent.patient names the one patient (0..1), together with any
// patient entity; otherwise each BALP patient entity (role 1) is a
// patient; failing those, each entity that is a Patient (what =
// Patient/...) or is identified by a Swedish personal-id OID.
func (a adapter) patients() []portal.PatientRef {
	cand := func(r *reference, extra *identifier, name string) patientCand {
		c := patientCand{display: name}
		if r != nil {
			if r.Identifier != nil {
				c.ids = append(c.ids, *r.Identifier)
			}
			c.ref = strings.TrimSpace(r.Reference)
			if c.display == "" {
				c.display = r.Display
			}
			if ct := a.contained(c.ref); ct != nil {
				c.ids = append(c.ids, ct.Identifier...)
				if c.display == "" && len(ct.Name) > 0 {
					c.display = ct.Name[0]
				}
			}
		}
		if extra != nil {
			c.ids = append(c.ids, *extra)
		}
		return c
	}
	var roled, others []patientCand
	for i := range a.ae.Entity {
		e := &a.ae.Entity[i]
		what := e.What
		if what == nil {
			what = e.Reference
		}
		switch {
		case isPatientRole(e.Role):
			roled = append(roled, cand(what, e.Identifier, e.Name))
		case what != nil && (resourceOf(what.Reference) == "Patient" || what.Type == "Patient"),
			hasPersonalIDOID(what, e.Identifier):
			others = append(others, cand(what, e.Identifier, e.Name))
		}
	}
	if a.ae.Patient != nil {
		// One patient: the entities with the patient role name the same
		// one, perhaps by a Swedish id the R5 element lacks.
		c := cand(a.ae.Patient, nil, "")
		for _, r := range roled {
			c.ids = append(c.ids, r.ids...)
			if c.display == "" {
				c.display = r.display
			}
			if c.ref == "" || strings.HasPrefix(c.ref, "#") {
				c.ref = r.ref
			}
		}
		roled = []patientCand{c}
	}
	for _, group := range [][]patientCand{roled, others} {
		var out []portal.PatientRef
		seen := map[string]bool{}
		for _, c := range group {
			p, ok := resolvePatient(c)
			if !ok {
				continue
			}
			key := string(p.ID.Kind()) + "|" + p.ID.Root() + "|" + p.ID.Digits()
			if p.Reason == "" && seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, p)
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// resolvePatient reads one candidate's id: a Swedish personal id first;
// otherwise its first identifier, kept as a reserve id with its system;
// otherwise its literal reference (the weakest form of the same fact).
// ok is false when the candidate names no id at all.
func resolvePatient(c patientCand) (portal.PatientRef, bool) {
	name := strings.TrimSpace(c.display)
	invalid := portal.PatientRef{Reason: portal.ReasonInvalidField, Detail: "patient id"}
	for _, id := range c.ids {
		if s := oid(id.System); s == portal.OIDPersonnummer || s == portal.OIDSamordningsnummer {
			p, err := portal.PersonalIDFromOID(s, id.Value)
			if err != nil {
				return invalid, true
			}
			return portal.PatientRef{ID: p, Name: name}, true
		}
	}
	for _, id := range c.ids {
		sys := oid(id.System)
		if sys == portal.OIDHSAID || strings.TrimSpace(id.Value) == "" {
			continue
		}
		p, err := portal.PersonalIDFromOID(sys, id.Value)
		if err != nil {
			return invalid, true
		}
		return portal.PatientRef{ID: p, Name: name}, true
	}
	if c.ref != "" && !strings.HasPrefix(c.ref, "#") {
		p, err := portal.ReserveID(sysURI, c.ref)
		if err != nil {
			// An absolute URL may exceed what a reserve id holds; its
			// relative form names the same resource on that server.
			p, err = portal.ReserveID(sysURI, relativeRef(c.ref))
		}
		if err != nil {
			return invalid, true
		}
		return portal.PatientRef{ID: p, Name: name}, true
	}
	return portal.PatientRef{}, false
}

func isPatientRole(c concept) bool {
	for _, cd := range c.codings() {
		if cd.Code == "1" && (cd.System == "" || cd.System == sysObjectRole || cd.System == sysObjectRoleOld) {
			return true
		}
	}
	return false
}

func hasPersonalIDOID(r *reference, extra *identifier) bool {
	var ids []*identifier
	if r != nil {
		ids = append(ids, r.Identifier)
	}
	ids = append(ids, extra)
	for _, id := range ids {
		if id == nil {
			continue
		}
		if s := oid(id.System); s == portal.OIDPersonnummer || s == portal.OIDSamordningsnummer {
			return true
		}
	}
	return false
}

// resourceType is the kind of information accessed: the first entity that
// is neither the patient nor a query or request id.
func (a adapter) resourceType() string {
	for _, e := range a.ae.Entity {
		if isPatientRole(e.Role) {
			continue
		}
		skip := false
		for _, c := range e.Role.codings() {
			if c.Code == roleQuery {
				skip = true
			}
		}
		for _, c := range e.Type.codings() {
			if c.System == sysBALPEntity {
				skip = true
			}
			if c.System == sysResourceTypes && c.Code != "" && !skip {
				return c.Code
			}
		}
		if skip {
			continue
		}
		what := e.What
		if what == nil {
			what = e.Reference
		}
		if what == nil {
			continue
		}
		if what.Type != "" {
			return what.Type
		}
		if t := resourceOf(what.Reference); t != "" && t != "Patient" {
			return t
		}
	}
	return ""
}

// activity maps the FHIR REST interaction (subtype) or, failing that, the
// action code. The code kept is the one the activity came from.
func (a adapter) activity() (portal.Activity, string) {
	cs := []concept{a.ae.Code, a.ae.Type}
	cs = append(cs, a.ae.Subtype...)
	// The emergency override code outranks any action: it is the fact
	// the review cares most about.
	for _, c := range cs {
		for _, cd := range c.codings() {
			if cd.Code == codeEmergencyOverride && (cd.System == "" || cd.System == sysDICOM) {
				return portal.ActivityEmergency, cd.Code
			}
		}
	}
	// R5 moved the REST interaction from subtype to code.
	for _, c := range append([]concept{a.ae.Code}, a.ae.Subtype...) {
		for _, cd := range c.codings() {
			switch strings.ToLower(strings.TrimSpace(cd.Code)) {
			case "read", "vread", "search", "search-type", "search-system", "history",
				"history-instance", "history-type", "history-system":
				return portal.ActivityRead, cd.Code
			case "create", "update", "patch":
				return portal.ActivityWrite, cd.Code
			case "delete":
				return portal.ActivityDelete, cd.Code
			}
			for _, s := range []string{cd.Code, cd.Display} {
				if act, ok := portal.ActivityFromSwedish(s); ok {
					return act, s
				}
			}
		}
	}
	return portal.ActivityFromAction(a.ae.Action)
}

// purpose reads v3 PurposeOfUse / ActReason codes from the requestor and
// the event (R4 purposeOfUse and purposeOfEvent, R5 authorization). An
// emergency code is kept in preference to the others, since it is the
// one the review must see.
func (a adapter) purpose(req *agent) (portal.Purpose, string, bool) {
	var cs []concept
	if req != nil {
		cs = append(cs, req.PurposeOfUse...)
		cs = append(cs, req.Authorization...)
	}
	cs = append(cs, a.ae.PurposeOfEvent...)
	cs = append(cs, a.ae.Authorization...)
	var first, known string
	var knownP portal.Purpose
	for _, c := range cs {
		for _, cd := range c.codings() {
			code := strings.TrimSpace(cd.Code)
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
			if emergency {
				return p, code, true
			}
			if ok && known == "" {
				known, knownP = code, p
			}
		}
		if t := strings.TrimSpace(c.Text); t != "" {
			if p, ok := portal.PurposeFromSwedish(t); ok && known == "" {
				known, knownP = t, p
			}
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

// contained resolves a local reference ("#id") to a contained resource.
func (a adapter) contained(ref string) *contained {
	if !strings.HasPrefix(ref, "#") {
		return nil
	}
	for i := range a.ae.Contained {
		if a.ae.Contained[i].ID == ref[1:] {
			return &a.ae.Contained[i]
		}
	}
	return nil
}

// resourceOf returns the resource type of a literal reference:
// "Patient/1", "http://x/fhir/Patient/1/_history/2" → "Patient".
func resourceOf(ref string) string {
	ref = strings.TrimSpace(ref)
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	if len(parts) < 2 {
		return ""
	}
	t := parts[len(parts)-2]
	if t == "" || t[0] < 'A' || t[0] > 'Z' {
		return ""
	}
	return t
}

// relativeRef shortens "https://host/fhir/Patient/1" to "Patient/1".
func relativeRef(ref string) string {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	if len(parts) < 2 {
		return ref
	}
	return strings.Join(parts[len(parts)-2:], "/")
}

func oid(system string) string {
	return strings.TrimPrefix(strings.TrimSpace(system), "urn:oid:")
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}
