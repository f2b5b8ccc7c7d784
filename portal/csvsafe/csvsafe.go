// Package csvsafe reads CSV exports from other systems without trusting
// them: encoding/csv keeps reading until a record ends, so one unterminated
// quote or one enormous row would make the rest of a multi-gigabyte file a
// single field, or hide every row after it. Records frames each record
// first, bounds what it keeps of it to portal.MaxRecordBytes and carries on
// after it.
package csvsafe

import "github.com/insyn/insyn/portal"

// TextProblem says why a row's text cannot be stored, "" when it can.
func TextProblem(fields []string) string {
	for _, f := range fields {
		if p := portal.TextProblem(f); p != "" {
			return p
		}
	}
	return ""
}
