package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// fhirEvent is a complete compact AuditEvent; extra goes into the resource
// (a member or two, each followed by a comma), name is the user's name.
func fhirEvent(id, name, extra string) string {
	return `{"resourceType":"AuditEvent","id":"` + id + `",` + extra + `"action":"R","recorded":"2024-05-06T08:00:00+02:00",` +
		`"agent":[{"who":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.4.1","value":"SE2321000016-A1B2"},"display":"` + name + `"},"requestor":true,` +
		`"location":{"display":"Akutmottagningen Södersjukhuset"}}],` +
		`"entity":[{"what":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"191212121212"}},"role":{"code":"1"}}]}`
}

// Hostile FHIR JSON records, in NDJSON, a Bundle and a top-level array,
// end in the database: too large and too deep ones quarantined with their
// bytes, values jsonb refuses kept as text beside a stored event, a value
// an event field cannot hold quarantined, and every good neighbour stored.
func TestHostileFHIRJSONEndsInTheDatabase(t *testing.T) {
	st := storetest.Open(t, nil)
	ctx := context.Background()
	type rec struct {
		id, name, extra string
		reason          portal.Reason // "" for stored
		detail          string
		asText          bool // stored with its raw kept as text
	}
	recs := []rec{
		{id: "good1", name: "Anna"},
		{id: "big", name: "Anna", extra: `"text":{"div":"` + strings.Repeat("x", portal.MaxRecordBytes) + `"},`, reason: portal.ReasonTooLarge, detail: "record exceeds the size limit"},
		{id: "good2", name: "Anna"},
		{id: "deep", name: "Anna", extra: `"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `,`, reason: portal.ReasonTooLarge, detail: "record nests deeper than the limit"},
		{id: "good3", name: "Anna"},
		{id: "nul", name: "Anna", extra: `"text":{"div":"a\u0000b"},`, asText: true},
		{id: "backslash", name: "Anna", extra: `"text":{"div":"a\\u0000b"},`},
		{id: "surrogate", name: "Anna", extra: `"text":{"div":"\ud800"},`, asText: true},
		{id: "exponent", name: "Anna", extra: `"n":1e1000000,`, asText: true},
		{id: "digits", name: "Anna", extra: `"n":` + strings.Repeat("7", 200000) + `,`, asText: true},
		{id: "name", name: `Anna\ud800`, reason: portal.ReasonInvalidField, detail: "text holds an unpaired surrogate escape"},
		{id: "namenul", name: `Anna\u0000`, reason: portal.ReasonInvalidField, detail: "text contains a NUL character"},
		{id: "good4", name: "Anna"},
	}
	dir := t.TempDir()
	shapes := map[string]func(rs []string) string{
		"a.ndjson": func(rs []string) string { return strings.Join(rs, "\n") + "\n" },
		"b.json": func(rs []string) string {
			var b strings.Builder
			b.WriteString("{\n\"resourceType\": \"Bundle\",\n\"entry\": [\n")
			for i, r := range rs {
				if i > 0 {
					b.WriteString(",\n")
				}
				b.WriteString(`{"resource": ` + r + `}`)
			}
			return b.String() + "\n]\n}\n"
		},
		"c.json": func(rs []string) string { return "[\n" + strings.Join(rs, ",\n") + "\n]\n" },
	}
	raws := map[string]string{}
	for file, shape := range shapes {
		var rs []string
		for _, r := range recs {
			raw := fhirEvent(file+"-"+r.id, r.name, r.extra)
			raws[file+"-"+r.id] = raw
			rs = append(rs, raw)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(shape(rs)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The format is given: detecting an array as FHIR is Detect's test.
	ins, err := ingest.Inputs([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ingest.Run(ctx, st, ins, ingest.Options{Format: ingest.FormatFHIR, BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	nq := 0
	for _, r := range recs {
		if r.reason != "" {
			nq++
		}
	}
	if want := (store.Counts{Read: 3 * len(recs), Stored: 3 * (len(recs) - nq), Quarantined: 3 * nq}); c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	for file := range shapes {
		for _, r := range recs {
			id, raw := file+"-"+r.id, raws[file+"-"+r.id]
			if r.reason != "" {
				var reason, detail string
				var q []byte
				err := st.DB().QueryRowContext(ctx, `SELECT reason, detail, raw FROM quarantine WHERE source_file LIKE '%'||$1 AND position($2::bytea IN raw) > 0`,
					file, `"id":"`+id+`"`).Scan(&reason, &detail, &q)
				if err != nil {
					t.Errorf("%s: not quarantined: %v", id, err)
					continue
				}
				if reason != string(r.reason) || detail != r.detail {
					t.Errorf("%s: quarantined as %s %q", id, reason, detail)
				}
				if r.id == "big" && (len(q) == 0 || !strings.HasPrefix(raw, string(q))) || r.id != "big" && string(q) != raw {
					t.Errorf("%s: quarantined raw of %d bytes is not the record (%d bytes) or its first bytes", id, len(q), len(raw))
				}
				continue
			}
			var text, div *string
			err := st.DB().QueryRowContext(ctx, `SELECT raw->>'text', raw->'record'->'text'->>'div' FROM access_events WHERE source_log_id = $1`, id).Scan(&text, &div)
			if err != nil {
				t.Errorf("%s: not stored: %v", id, err)
				continue
			}
			if r.asText && (text == nil || *text != raw) {
				t.Errorf("%s: raw not kept as text byte for byte", id)
			}
			if !r.asText && text != nil {
				t.Errorf("%s: raw kept as text, not jsonb", id)
			}
			if r.id == "backslash" && (div == nil || *div != `a\u0000b`) {
				t.Errorf("%s: an escaped backslash before u0000 read as %v", id, div)
			}
		}
	}
}
