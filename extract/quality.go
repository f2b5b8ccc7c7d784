package extract

import (
	"sort"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
)

// QualityIssue is one code the extract cannot put into words, one actor,
// unit or care provider without a name, or one source system that logged
// local times the daylight-saving changes make doubtful, with how many
// events it affects and what patients read instead. It is for
// administrators: Field is a stable key ("activity", "purpose", "resource",
// "actor_name", "unit_name", "provider_name", "local_time_ambiguous",
// "local_time_nonexistent"), Code the raw code or, for a missing name, the
// HSA-id to look up, or, for a local time, the source system; never a
// personal id.
type QualityIssue struct {
	Field string `json:"field"`
	Code  string `json:"code"`
	Count int64  `json:"count"`
	Shown string `json:"shown"` // the fallback text, in the administrator's language
	Label string `json:"-"`     // Field in the administrator's language
}

// Quality picks from the store's code counts those that words.go does not
// know, and the names the extract falls back on, in the administrator's
// language.
func Quality(l *i18n.Localizer, counts []store.CodeCount) []QualityIssue {
	var out []QualityIssue
	names := map[[2]string]int{} // field, HSA-id -> index in out
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
		case "local_time_ambiguous", "local_time_nonexistent":
			// How the time is read (portal.StockholmTime), for the
			// administrator to check with the source system.
			shown = l.T("extract.quality.shown." + c.Field)
		case "actor_name", "unit_name", "provider_name":
			if plainName(c.Name) != "" {
				continue // the log's own name is shown
			}
			shown = l.T(map[string]string{"actor_name": "extract.person.unknown",
				"unit_name": "extract.unit.unknown", "provider_name": "extract.provider.unknown"}[c.Field])
			code := c.Code
			if !portal.LooksLikeHSAID(code) {
				code = "" // never anything else, a personal id least of all
			}
			k := [2]string{c.Field, code}
			if i, ok := names[k]; ok {
				out[i].Count += c.N
				continue
			}
			names[k] = len(out)
			out = append(out, QualityIssue{Field: c.Field, Code: code, Count: c.N, Shown: shown,
				Label: l.T("extract.quality.field." + c.Field)})
			continue
		default:
			continue
		}
		out = append(out, QualityIssue{Field: c.Field, Code: c.Code, Count: c.N, Shown: shown,
			Label: l.T("extract.quality.field." + c.Field)})
	}
	// Names merged from several log spellings: keep the store's order, by
	// field, most events first.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Field != out[j].Field {
			return out[i].Field < out[j].Field
		}
		return out[i].Count > out[j].Count
	})
	return out
}
