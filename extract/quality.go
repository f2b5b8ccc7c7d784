package extract

import (
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// QualityIssue is one code the extract cannot put into words, or one kind
// of missing name, with how many events it affects and the fallback text
// patients read instead. It is for administrators: Code is shown as is.
type QualityIssue struct {
	Field string `json:"field"` // localized field name
	Code  string `json:"code"`
	Count int64  `json:"count"`
	Shown string `json:"shown"`
}

// Quality picks from the store's code counts those that words.go does not
// know, in the administrator's language.
func Quality(l *i18n.Localizer, counts []store.CodeCount) []QualityIssue {
	var out []QualityIssue
	for _, c := range counts {
		var shown string
		switch c.Field {
		case "activity":
			id, _ := activityMsg(portal.ActivityOther)
			shown = l.T(id)
		case "purpose":
			id, _ := purposeMsg(portal.PurposeOther, c.Code)
			shown = l.T(id)
		case "resource":
			id, known := infoMsg(c.Code)
			if known {
				continue
			}
			shown = l.T(id)
		case "actor_name":
			shown = l.T("extract.person.unknown")
		case "unit_name":
			shown = l.T("extract.unit.unknown")
		default:
			continue
		}
		code := c.Code
		if code == "" && (c.Field == "activity" || c.Field == "purpose" || c.Field == "resource") {
			code = l.T("extract.quality.empty_code")
		}
		out = append(out, QualityIssue{Field: l.T("extract.quality.field." + c.Field), Code: code, Count: c.N, Shown: shown})
	}
	return out
}
