package portal

import "strings"

// staffTitles maps professional titles, as HSA and the record systems
// write them (folded by foldTitle), to a message, so that English pages,
// extracts and case narratives translate them. It lives here, below the
// store and the extract, because both word titles: the extract for the
// patient, the store's case narratives for the reviewer.
var staffTitles = map[string]string{
	"läkare": "extract.staff_title.physician", "legitimeradläkare": "extract.staff_title.physician",
	"överläkare": "extract.staff_title.consultant", "specialistläkare": "extract.staff_title.specialist",
	"distriktsläkare": "extract.staff_title.gp", "allmänläkare": "extract.staff_title.gp",
	"stläkare": "extract.staff_title.resident", "atläkare": "extract.staff_title.intern",
	"underläkare":   "extract.staff_title.junior_doctor",
	"sjuksköterska": "extract.staff_title.nurse", "legitimeradsjuksköterska": "extract.staff_title.nurse",
	"distriktssköterska":      "extract.staff_title.district_nurse",
	"specialistsjuksköterska": "extract.staff_title.specialist_nurse",
	"röntgensjuksköterska":    "extract.staff_title.radiology_nurse",
	"barnmorska":              "extract.staff_title.midwife", "undersköterska": "extract.staff_title.assistant_nurse",
	"skötare": "extract.staff_title.carer", "vårdbiträde": "extract.staff_title.care_aide",
	"läkarsekreterare": "extract.staff_title.secretary", "medicinsksekreterare": "extract.staff_title.secretary",
	"vårdadministratör": "extract.staff_title.administrator",
	"fysioterapeut":     "extract.staff_title.physiotherapist", "sjukgymnast": "extract.staff_title.physiotherapist",
	"arbetsterapeut": "extract.staff_title.occupational_therapist",
	"kurator":        "extract.staff_title.counsellor", "psykolog": "extract.staff_title.psychologist",
	"biomedicinskanalytiker": "extract.staff_title.biomedical_scientist",
	"dietist":                "extract.staff_title.dietitian", "logoped": "extract.staff_title.speech_therapist",
	"tandläkare": "extract.staff_title.dentist", "tandhygienist": "extract.staff_title.dental_hygienist",
	"apotekare": "extract.staff_title.pharmacist", "farmaceut": "extract.staff_title.pharmacist",
	"receptarie": "extract.staff_title.prescriptionist", "enhetschef": "extract.staff_title.unit_manager",
	"verksamhetschef": "extract.staff_title.head_of_department",
}

// titleFolder is built once: a Replacer is costly to build and titles are
// folded for every row of an extract.
var titleFolder = strings.NewReplacer(" ", "", "-", "", "_", "", ".", "")

// StaffTitleMessage is the message id of a staff title ("Sjuksköterska",
// "ST-läkare", "legitimerad sjuksköterska"), when it is a known one.
// Case, spaces, hyphens, underscores and dots do not count.
func StaffTitleMessage(title string) (id string, known bool) {
	id, known = staffTitles[titleFolder.Replace(strings.ToLower(strings.TrimSpace(title)))]
	return id, known
}
