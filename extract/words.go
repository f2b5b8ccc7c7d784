package extract

import (
	"strings"
	"unicode"

	"github.com/insyn/insyn/portal"
)

// words.go is the one place that maps codes to message ids. Everything a
// person reads goes through these functions; a code that is not listed
// here becomes a plain fallback text and a data-quality entry.

// activityMsg is the plain verb for an activity.
func activityMsg(a portal.Activity) (id string, known bool) {
	switch a {
	case portal.ActivityRead:
		return "extract.activity.read", true
	case portal.ActivityWrite:
		return "extract.activity.write", true
	case portal.ActivitySign:
		return "extract.activity.sign", true
	case portal.ActivityPrint:
		return "extract.activity.print", true
	case portal.ActivityVerify:
		return "extract.activity.verify", true
	case portal.ActivityDelete:
		return "extract.activity.delete", true
	case portal.ActivityEmergency:
		return "extract.activity.emergency", true
	}
	return "extract.activity.other", false
}

// whatMsg is the message that puts an activity and an information noun
// together ("skrev ut {{.Info}} på papper": the word order is the
// language's).
func whatMsg(a portal.Activity) string {
	id, _ := activityMsg(a)
	if w, ok := whatIDs[id]; ok {
		return w
	}
	return "extract.what." + strings.TrimPrefix(id, "extract.activity.")
}

// whatIDs are whatMsg's ids made once: every event asks for one.
var whatIDs = func() map[string]string {
	m := map[string]string{}
	for _, a := range []portal.Activity{portal.ActivityRead, portal.ActivityWrite, portal.ActivitySign, portal.ActivityPrint,
		portal.ActivityVerify, portal.ActivityDelete, portal.ActivityEmergency, portal.ActivityOther} {
		id, _ := activityMsg(a)
		m[id] = "extract.what." + strings.TrimPrefix(id, "extract.activity.")
	}
	return m
}()

// purposeMsg is the purpose in plain words. An "other" purpose with no
// code at all means the log gave none.
func purposeMsg(p portal.Purpose, code string) (id string, known bool) {
	switch p {
	case portal.PurposeCare:
		return "extract.purpose.care", true
	case portal.PurposeQualityAssurance:
		return "extract.purpose.quality_assurance", true
	case portal.PurposeOtherLegalDocument:
		return "extract.purpose.other_legal_documentation", true
	case portal.PurposeStatistics:
		return "extract.purpose.statistics", true
	case portal.PurposeAdministration:
		return "extract.purpose.administration", true
	case portal.PurposeQualityRegister:
		return "extract.purpose.quality_register", true
	}
	if strings.TrimSpace(code) == "" {
		return "extract.purpose.none", false
	}
	return "extract.purpose.other", false
}

// infoTypes maps information types, as the record systems write them
// (Swedish texts, FHIR resource names, English words), folded to lower
// case without spaces, hyphens or underscores, to a plain noun.
var infoTypes = map[string]string{
	// journal notes
	"journalanteckning": "extract.info.note", "journaltext": "extract.info.note",
	"vårdanteckning": "extract.info.note", "journal": "extract.info.note",
	"clinicalnote": "extract.info.note", "documentreference": "extract.info.note",
	"composition": "extract.info.note", "progressnote": "extract.info.note",
	"anteckning": "extract.info.note_general", "note": "extract.info.note_general",
	// laboratory
	"provsvar": "extract.info.lab", "labbsvar": "extract.info.lab", "laboratoriesvar": "extract.info.lab",
	"analyssvar": "extract.info.lab", "observation": "extract.info.lab", "diagnosticreport": "extract.info.lab",
	"labresult": "extract.info.lab", "laboratoryresult": "extract.info.lab", "specimen": "extract.info.lab",
	// medication
	"läkemedelslista": "extract.info.medication", "läkemedel": "extract.info.medication",
	"läkemedelsordination": "extract.info.medication", "ordination": "extract.info.medication",
	"medicationstatement": "extract.info.medication", "medicationrequest": "extract.info.medication",
	"medicationadministration": "extract.info.medication", "medication": "extract.info.medication",
	"medicationlist": "extract.info.medication",
	// referrals
	"remiss": "extract.info.referral", "remissvar": "extract.info.referral_answer",
	"remissbesvarande": "extract.info.referral_answer", "referralresponse": "extract.info.referral_answer",
	"servicerequest": "extract.info.referral", "referralrequest": "extract.info.referral",
	"referral": "extract.info.referral",
	// diagnoses
	"diagnos": "extract.info.diagnosis", "diagnoser": "extract.info.diagnosis",
	"condition": "extract.info.diagnosis", "diagnosis": "extract.info.diagnosis",
	// care contacts
	"vårdkontakt": "extract.info.contact", "vårdkontakter": "extract.info.contact", "besök": "extract.info.contact",
	"encounter": "extract.info.contact", "appointment": "extract.info.contact", "episodeofcare": "extract.info.contact",
	// imaging
	"röntgensvar": "extract.info.imaging", "röntgen": "extract.info.imaging", "bilddiagnostik": "extract.info.imaging",
	"röntgenbild": "extract.info.imaging", "röntgenbilder": "extract.info.imaging",
	"imagingstudy": "extract.info.imaging", "imagingreport": "extract.info.imaging",
	"radiology": "extract.info.imaging", "radiologyreport": "extract.info.imaging", "dicomstudy": "extract.info.imaging",
	// personal details
	"personuppgifter": "extract.info.personal", "patientuppgifter": "extract.info.personal",
	"patient": "extract.info.personal", "demographics": "extract.info.personal",
	// alerts
	"uppmärksamhetsinformation": "extract.info.alert", "uppmärksamhetssignal": "extract.info.alert",
	"varningsinformation": "extract.info.alert", "allergi": "extract.info.alert", "allergier": "extract.info.alert",
	"allergyintolerance": "extract.info.alert", "flag": "extract.info.alert",
	// vaccinations
	"vaccination": "extract.info.vaccination", "vaccinationer": "extract.info.vaccination",
	"immunization": "extract.info.vaccination",
	// care plans
	"omvårdnadsanteckning": "extract.info.nursing_note", "omvårdnadsjournal": "extract.info.nursing_note",
	"nursingnote": "extract.info.nursing_note",

	"mätvärden": "extract.info.measurements", "mätvärde": "extract.info.measurements",
	"vitalparametrar": "extract.info.measurements", "vitalsigns": "extract.info.measurements",

	"epikris": "extract.info.discharge_summary", "dischargesummary": "extract.info.discharge_summary",

	"intyg": "extract.info.certificate", "läkarintyg": "extract.info.certificate",
	"certificate": "extract.info.certificate",

	"vårdplan": "extract.info.care_plan", "vårdplaner": "extract.info.care_plan", "careplan": "extract.info.care_plan",
	// the record as a whole
	"": "extract.info.record", "patientjournal": "extract.info.record", "journaluppgifter": "extract.info.record",
}

// infoMsg is the plain noun for an information type. An empty type (the
// log did not say) reads as "information in your record" but is still a
// data-quality entry.
func infoMsg(resourceType string) (id string, known bool) {
	key := foldCode(resourceType)
	if id, ok := infoTypes[key]; ok {
		return id, key != ""
	}
	return "extract.info.unknown", false
}

// relationMsg is the explanation for a care relation kind; withActor picks
// the text about the person rather than the unit, open an admission with no
// end date.
func relationMsg(kind string, withActor, open bool) (id string, ok bool) {
	id, ok = relationIDs[relationKey{kind, withActor, open}]
	return id, ok
}

type relationKey struct {
	kind            string
	withActor, open bool
}

// relationIDs are relationMsg's ids made once: every explained event asks
// for one.
var relationIDs = func() map[relationKey]string {
	m := map[relationKey]string{}
	for _, kind := range []string{"visit", "admission", "booking", "referral", "team"} {
		for _, withActor := range []bool{false, true} {
			for _, open := range []bool{false, true} {
				if id, ok := relationMsgOf(kind, withActor, open); ok {
					m[relationKey{kind, withActor, open}] = id
				}
			}
		}
	}
	return m
}()

func relationMsgOf(kind string, withActor, open bool) (id string, ok bool) {
	switch kind {
	case "visit", "admission", "booking", "referral", "team":
		id = "extract.explain." + kind
		if withActor {
			id += "_staff"
		}
		if kind == "admission" && open {
			id += "_open"
		}
		return id, true
	}
	return "", false
}

// idKindMsg labels the patient's identity number in the header.
func idKindMsg(k portal.IDKind) string {
	switch k {
	case portal.KindSamordningsnummer:
		return "extract.header.samordningsnummer"
	case portal.KindReservnummer:
		return "extract.header.reservnummer"
	}
	return "extract.header.personnummer"
}

func foldCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	// FHIR-style "urn:...:Observation" or "Observation/123": keep the type.
	if i := strings.LastIndexAny(s, ":#"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return codeFolder.Replace(s)
}

// codeFolder is built once: a Replacer is costly to build and foldCode
// runs for every event.
var codeFolder = strings.NewReplacer(" ", "", "-", "", "_", "", ".", "")

// plainName returns a name from reference data or a log as it may be shown
// to a person, or "" when it is empty or looks like a code: an HSA-id, an
// OID, a URN or an identity number never passes for a name.
func plainName(s string) string {
	if !tidy(s) {
		s = strings.Join(strings.Fields(s), " ")
	}
	if s == "" || portal.LooksLikeHSAID(s) || IsCodeLike(s) {
		return ""
	}
	return s
}

// tidy reports whether s is already as strings.Fields would join it: no
// space at either end, no two in a row, no other white space. Most names
// are, and joining them anew costs two allocations per name per row.
func tidy(s string) bool {
	for i, r := range s {
		switch {
		case r == ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case unicode.IsSpace(r):
			return false
		}
	}
	return true
}

// IsCodeLike reports text that is an identifier rather than words: it
// contains a run of six or more digits (identity numbers, HSA-ids), an
// OID-like dotted number, a URN, or an HSA-id-shaped token.
func IsCodeLike(s string) bool {
	for i := 0; i+4 <= len(s); i++ {
		if (s[i] == 'u' || s[i] == 'U') && strings.EqualFold(s[i:i+4], "urn:") {
			return true
		}
	}
	run, dots := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			run++
			if run >= 6 {
				return true
			}
		case c == '.' && run > 0:
			dots++
			if dots >= 3 {
				return true
			}
			run = 0
		case c == '-' && run > 0:
			// "19121212-1212" keeps counting as one identifier.
		default:
			run, dots = 0, 0
		}
	}
	// Each token between spaces, commas and brackets, without allocating:
	// this runs for every name on every row.
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ' ' && s[i] != ',' && s[i] != '(' && s[i] != ')' {
			continue
		}
		if f := s[start:i]; len(f) > 6 && portal.LooksLikeHSAID(f) {
			return true
		}
		start = i + 1
	}
	return false
}

// titleMsg is the message for a staff title, when it is a known one.
func titleMsg(title string) (id string, known bool) {
	return portal.StaffTitleMessage(title)
}
