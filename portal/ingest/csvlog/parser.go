// Package csvlog reads access events exported by older systems as CSV in
// Insyn's own columns (header row, UTF-8, comma, RFC 4180). Columns are
// matched by name; activity and purpose accept Insyn's values or the RIV
// Swedish words.
//
// The optional patient_id_root column names the scheme of patient_id as an
// OID. Empty, absent, or the personnummer or samordningsnummer OID means a
// Swedish personal id, which must pass its checks; any other OID is a
// region's reserve number scheme, and the id is kept as given.
//
// A row with text that is not UTF-8, or that holds a NUL character, is
// quarantined and reading goes on. A record larger than
// portal.MaxRecordBytes is quarantined with its first bytes and reading
// goes on after it, also when it is a quoted field over many lines; only a
// quote that is never closed makes the rest of the input one quarantined
// record (csvsafe.Records says why).
package csvlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/csvsafe"
)

// Columns is the header Insyn writes and reads; the first three and
// patient_id are required.
var Columns = []string{
	"source_system", "source_log_id", "occurred_at",
	"actor_hsa_id", "actor_name", "actor_personal_id", "actor_title", "actor_assignment",
	"actor_provider_hsa_id", "actor_provider_name", "actor_unit_hsa_id", "actor_unit_name",
	"activity", "purpose", "patient_id", "patient_id_root", "patient_name", "resource_type",
	"owner_unit_hsa_id", "owner_unit_name", "owner_provider_hsa_id", "owner_provider_name", "emergency",
}

var required = []string{"source_log_id", "occurred_at", "patient_id"}

// Parse emits one record per data row.
func Parse(r io.Reader, emit portal.Emit) error {
	rs := csvsafe.NewRecords(r)
	header, err := rs.Next()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("csvlog: read: %w", err)
	}
	if bad := unreadable(header, 0); bad != nil {
		return emit(*bad) // no later row can be read without the header
	}
	idx := map[string]int{}
	for i, h := range header.Fields {
		idx[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range required {
		if _, ok := idx[c]; !ok {
			rec := portal.LogRecord{Line: 1, Raw: bytes.Clone(header.Raw)}
			rec.Quarantine(portal.ReasonMissingField, "CSV column "+c)
			return emit(rec)
		}
	}
	width := len(header.Fields)
	for n := 1; ; n++ {
		row, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csvlog: read: %w", err)
		}
		rec := unreadable(row, n)
		if rec == nil {
			rec = &portal.LogRecord{Line: row.Line, Index: n, Raw: bytes.Clone(row.Raw)}
			if len(row.Fields) != width {
				rec.Quarantine(portal.ReasonMalformed, fmt.Sprintf("row has %d fields, header has %d", len(row.Fields), width))
			} else {
				adapt(rec, func(col string) string {
					if i, ok := idx[col]; ok {
						return strings.TrimSpace(row.Fields[i])
					}
					return ""
				})
			}
		}
		if err := emit(*rec); err != nil {
			return err
		}
	}
}

const (
	tooLarge = "CSV record exceeds the size limit"
	unclosed = "CSV quoted field is never closed"
	syntax   = "CSV syntax error"
)

// unreadable quarantines a record whose fields cannot be read: too large
// (Raw keeps its first portal.MaxRecordBytes), a quote never closed, CSV
// syntax, or text PostgreSQL cannot store. nil when the fields are usable.
func unreadable(row *csvsafe.Record, n int) *portal.LogRecord {
	rec := &portal.LogRecord{Line: row.Line, Index: n, Raw: bytes.Clone(row.Raw)}
	switch {
	case row.TooLarge:
		rec.RawLength = row.Size
		rec.Quarantine(portal.ReasonTooLarge, tooLarge)
	case row.Unclosed:
		rec.Quarantine(portal.ReasonMalformed, unclosed)
	case row.Err != nil:
		rec.Quarantine(portal.ReasonMalformed, syntax)
	default:
		if detail := csvsafe.TextProblem(row.Fields); detail != "" {
			rec.Quarantine(portal.ReasonInvalidField, detail)
			return rec
		}
		return nil
	}
	return rec
}

func adapt(rec *portal.LogRecord, get func(string) string) {
	for _, c := range Columns {
		if portal.IsPlaceholder(get(c)) {
			rec.Quarantine(portal.ReasonPlaceholder, "template row: fields contain ? placeholders")
			return
		}
	}
	e := &rec.Event
	e.SourceSystem = get("source_system")
	e.SourceLogID = get("source_log_id")
	at, err := parseTime(get("occurred_at"), &e.LocalTime)
	if err != nil {
		rec.Quarantine(portal.ReasonInvalidField, "time of access")
		return
	}
	e.OccurredAt = at
	if s := get("actor_hsa_id"); s != "" {
		h, err := portal.ParseHSAID(s)
		if err != nil {
			rec.Quarantine(portal.ReasonInvalidField, "user id")
			return
		}
		e.ActorHSAID = h
	}
	e.ActorName, e.ActorTitle, e.ActorAssignment = get("actor_name"), get("actor_title"), get("actor_assignment")
	if id, err := portal.ParsePersonalID(get("actor_personal_id")); err == nil {
		e.ActorPersonalID = id
	}
	e.ActorProvider = portal.Party{HSAID: portal.HSAID(get("actor_provider_hsa_id")), Name: get("actor_provider_name")}
	e.ActorUnit = portal.Party{HSAID: portal.HSAID(get("actor_unit_hsa_id")), Name: get("actor_unit_name")}
	e.Owner = portal.Party{HSAID: portal.HSAID(get("owner_unit_hsa_id")), Name: get("owner_unit_name")}
	e.OwnerProvider = portal.Party{HSAID: portal.HSAID(get("owner_provider_hsa_id")), Name: get("owner_provider_name")}
	e.ActivityCode = get("activity")
	e.Activity = activity(e.ActivityCode)
	e.PurposeCode = get("purpose")
	e.Purpose = purpose(e.PurposeCode)
	e.ResourceType = get("resource_type")
	e.PatientName = get("patient_name")
	if s := get("patient_id"); s != "" {
		id, err := patientID(get("patient_id_root"), s)
		if err != nil {
			rec.Quarantine(portal.ReasonInvalidField, "patient id")
			return
		}
		e.Patient = id
	}
	if s := get("emergency"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			rec.Quarantine(portal.ReasonInvalidField, "emergency flag")
			return
		}
		e.EmergencyClaimed = b
	}
	if e.SourceSystem == "" {
		e.SourceSystem = "csv"
	}
	if reason, detail := e.Validate(); reason != "" {
		rec.Quarantine(reason, detail)
	}
}

// patientID reads the patient id: a Swedish personal id unless root names
// another scheme, such as a region's reserve numbers.
func patientID(root, id string) (portal.PersonalID, error) {
	if root == "" {
		return portal.ParsePersonalID(id)
	}
	return portal.PersonalIDFromOID(root, id)
}

func activity(s string) portal.Activity {
	for _, a := range portal.Activities {
		if string(a) == s {
			return a
		}
	}
	a, _ := portal.ActivityFromSwedish(s)
	return a
}

func purpose(s string) portal.Purpose {
	for _, p := range portal.Purposes {
		if string(p) == s {
			return p
		}
	}
	p, _ := portal.PurposeFromSwedish(s)
	return p
}

// parseTime accepts what portal.ParseLogTime does (RFC 3339, or an
// xs:dateTime without a zone meaning Stockholm) and, because spreadsheets
// write them, a Stockholm time with a space for the T, seconds optional.
// Local times around the daylight-saving changes follow
// portal.StockholmTime, noted in local.
func parseTime(s string, local *portal.LocalTime) (time.Time, error) {
	if t, err := portal.ParseLogTime(s, local); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if wall, err := time.Parse(layout, s); err == nil {
			t, note := portal.StockholmTime(wall)
			*local = note
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("csvlog: bad time")
}
