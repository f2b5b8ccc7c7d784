package portal

import (
	"strings"
	"time"
)

// Activity is what a user did, normalised from each format's codes.
type Activity string

const (
	ActivityRead      Activity = "read"
	ActivityWrite     Activity = "write"
	ActivitySign      Activity = "sign"
	ActivityPrint     Activity = "print"
	ActivityVerify    Activity = "verify"
	ActivityDelete    Activity = "delete"
	ActivityEmergency Activity = "emergency"
	ActivityOther     Activity = "other"
)

// Activities lists every activity, in the order legends show them.
var Activities = []Activity{ActivityRead, ActivityWrite, ActivitySign, ActivityPrint,
	ActivityVerify, ActivityDelete, ActivityEmergency, ActivityOther}

// Purpose is why the user accessed the record.
type Purpose string

const (
	PurposeCare               Purpose = "care"
	PurposeQualityAssurance   Purpose = "quality_assurance"
	PurposeOtherLegalDocument Purpose = "other_legal_documentation"
	PurposeStatistics         Purpose = "statistics"
	PurposeAdministration     Purpose = "administration"
	PurposeQualityRegister    Purpose = "quality_register"
	PurposeOther              Purpose = "other"
)

// Purposes lists every purpose, in the order legends show them.
var Purposes = []Purpose{PurposeCare, PurposeQualityAssurance, PurposeOtherLegalDocument,
	PurposeStatistics, PurposeAdministration, PurposeQualityRegister, PurposeOther}

// ActivityFromSwedish maps the RIV activity texts (ehr:log:1 ActivityTypeType
// and the same words in v2) to an Activity. ok is false for unknown text,
// which the caller keeps as ActivityOther with the original text.
func ActivityFromSwedish(s string) (Activity, bool) {
	switch s { // the exact spellings of the contracts, without allocating
	case "Läsa":
		return ActivityRead, true
	case "Skriva":
		return ActivityWrite, true
	case "Signera":
		return ActivitySign, true
	case "Utskrift":
		return ActivityPrint, true
	case "Vidimera":
		return ActivityVerify, true
	case "Radera":
		return ActivityDelete, true
	case "Nödöppning":
		return ActivityEmergency, true
	}
	switch fold(s) {
	case "läsa", "läst", "läsning", "las", "read":
		return ActivityRead, true
	case "skriva", "skrivit", "skrivning", "write", "ändra", "registrera":
		return ActivityWrite, true
	case "signera", "signering", "sign":
		return ActivitySign, true
	case "utskrift", "skriva ut", "print":
		return ActivityPrint, true
	case "vidimera", "vidimering", "verify":
		return ActivityVerify, true
	case "radera", "radering", "delete":
		return ActivityDelete, true
	case "nödöppning", "nodoppning", "emergency":
		return ActivityEmergency, true
	}
	return ActivityOther, false
}

// PurposeFromSwedish maps the RIV purpose texts (ehr:log:1 PurposeTypeType).
func PurposeFromSwedish(s string) (Purpose, bool) {
	switch s { // the exact spellings of the contracts, without allocating
	case "Vård och behandling":
		return PurposeCare, true
	case "Kvalitetssäkring":
		return PurposeQualityAssurance, true
	case "Annan dokumentation enligt lag":
		return PurposeOtherLegalDocument, true
	case "Statistik":
		return PurposeStatistics, true
	case "Administration":
		return PurposeAdministration, true
	case "Kvalitetsregister":
		return PurposeQualityRegister, true
	}
	switch fold(s) {
	case "vård och behandling", "vård", "care":
		return PurposeCare, true
	case "kvalitetssäkring":
		return PurposeQualityAssurance, true
	case "annan dokumentation enligt lag":
		return PurposeOtherLegalDocument, true
	case "statistik":
		return PurposeStatistics, true
	case "administration":
		return PurposeAdministration, true
	case "kvalitetsregister":
		return PurposeQualityRegister, true
	}
	return PurposeOther, false
}

// SaysEmergency finds "nödöppning" in free text (an activity level, a
// purpose), in the casings and ASCII spellings producers use.
func SaysEmergency(s string) bool {
	return strings.Contains(s, "ödöppning") || strings.Contains(s, "ÖDÖPPNING") ||
		strings.Contains(s, "odoppning") || strings.Contains(s, "ODOPPNING")
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Party is a care provider or care unit as a log names it.
type Party struct {
	HSAID HSAID
	Name  string
}

// Event is one logged activity by one user on one patient's information
// (DESIGN.md section 3). Codes are kept beside the normalised values for
// provenance; the extract never shows them.
type Event struct {
	SourceSystem string
	SourceLogID  string
	OccurredAt   time.Time
	// LocalTime notes a time the log wrote without an offset that Swedish
	// time reads two ways or not at all (StockholmTime says how it is read).
	LocalTime LocalTime

	// ActorHSAID is the user's id: an HSA-id in Swedish logs; logs from
	// other schemes (a GLN, an ATNA UserID) keep their own id as given.
	ActorHSAID      HSAID
	ActorName       string
	ActorPersonalID PersonalID // may be zero: many logs omit it
	ActorTitle      string
	ActorAssignment string // medarbetaruppdrag name
	ActorProvider   Party
	ActorUnit       Party

	Activity     Activity
	ActivityCode string // original text, e.g. "Läsa"
	ActivityArgs string
	Purpose      Purpose
	PurposeCode  string // original text, e.g. "Vård och behandling" or "TREAT"

	Patient       PersonalID
	PatientName   string
	ResourceType  string // original information type code or text
	Owner         Party  // owning care unit (whose records)
	OwnerProvider Party

	// EmergencyClaimed is set when the log itself says emergency access
	// (break the glass) outside the activity, e.g. FHIR purpose ETREAT.
	EmergencyClaimed bool
}

// texts lists every free-text field, for checks that apply to all of them.
func (e *Event) texts() []string {
	return []string{e.SourceSystem, e.SourceLogID, string(e.ActorHSAID), e.ActorName, e.ActorTitle,
		e.ActorAssignment, string(e.ActorProvider.HSAID), e.ActorProvider.Name, string(e.ActorUnit.HSAID),
		e.ActorUnit.Name, e.ActivityCode, e.ActivityArgs, e.PurposeCode, e.Patient.Digits(), e.Patient.Root(),
		e.PatientName, e.ResourceType, string(e.Owner.HSAID), e.Owner.Name, string(e.OwnerProvider.HSAID),
		e.OwnerProvider.Name}
}

// Emergency reports whether the access was made through emergency access.
func (e *Event) Emergency() bool {
	return e.EmergencyClaimed || e.Activity == ActivityEmergency
}

// CoherentRecordKeeping reports whether the actor read another provider's
// records (sammanhållen journalföring).
func (e *Event) CoherentRecordKeeping() bool {
	return e.OwnerProvider.HSAID != "" && e.ActorProvider.HSAID != "" &&
		e.OwnerProvider.HSAID != e.ActorProvider.HSAID
}

// Validate checks that the event carries every fact HSLF-FS 2016:40 4 kap 9 §
// requires: what, where, when, who and to whom. A format package fills in
// what its format allows and calls Validate; an event that fails goes to
// quarantine with the returned reason, whose detail names every missing
// fact so the operator fixes the source once.
func (e *Event) Validate() (Reason, string) {
	var missing []string
	add := func(cond bool, fact string) {
		if cond {
			missing = append(missing, fact)
		}
	}
	add(e.SourceLogID == "", "log id")
	add(e.OccurredAt.IsZero(), "time of access")
	add(e.ActorHSAID == "" && e.ActorPersonalID.IsZero(), "user id")
	add(e.ActorUnit.HSAID == "" && e.ActorUnit.Name == "", "acting care unit")
	add(e.Patient.IsZero(), "patient id")
	add(e.ActivityCode == "" && e.Activity == "", "activity")
	if len(missing) > 0 {
		return ReasonMissingField, strings.Join(missing, ", ")
	}
	// Placeholder dates (.NET's 0001-01-01, Unix's 1970-01-01) are not
	// accesses; no Swedish record system logged before 1980.
	if e.OccurredAt.Year() < 1980 {
		return ReasonInvalidField, "time of access is before 1980"
	}
	if e.Activity == "" {
		e.Activity = ActivityOther
	}
	if e.Purpose == "" {
		e.Purpose = PurposeOther
	}
	return "", ""
}
