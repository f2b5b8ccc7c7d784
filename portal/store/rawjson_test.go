package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

// JSON records that are well-formed but that jsonb refuses are stored with
// their raw kept as text, byte for byte, beside their neighbours; the
// PostgreSQL server itself confirms that each would have been refused.
func TestRawJSONThatJSONBRefusesIsKeptAsText(t *testing.T) {
	s := storetest.Open(t, nil)
	ctx := context.Background()
	record := func(field string) string {
		return `{"resourceType":"AuditEvent","id":"x","text":{"div":` + field + `}}`
	}
	tests := []struct {
		name   string
		raw    string
		asText bool
	}{
		{"plain", record(`"Åsa <b>"`), false},
		{"escaped backslash before u0000", record(`"a\\u0000b"`), false},
		{"surrogate pair", record(`"\ud83d\ude00"`), false},
		{"large exponent within range", record(`1e1000`), false},
		{"nesting at the bound", record(strings.Repeat("[", 998) + strings.Repeat("]", 998)), false},
		{"escaped NUL", record(`"a\u0000b"`), true},
		{"lone high surrogate", record(`"\ud800"`), true},
		{"high surrogate before a letter", record(`"\ud800\u0041"`), true},
		{"lone low surrogate", record(`"\udc00x"`), true},
		{"exponent beyond numeric", record(`1e1000000`), true},
		{"negative exponent beyond numeric", record(`1e-1000000`), true},
		{"200,000 digits", record(strings.Repeat("9", 200000)), true},
		{"nesting past the bound", record(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)), true},
	}
	id, err := s.BeginBatch(ctx, "ingest", "test")
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.NewEventWriter(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var recs []store.IngestRecord
	for i, tt := range tests {
		for j, raw := range []string{`{"resourceType":"AuditEvent","id":"before"}`, tt.raw} {
			ev := testEvent(t, tt.name+[]string{" neighbour", ""}[j], at.Add(time.Duration(i)*time.Minute))
			recs = append(recs, store.IngestRecord{LogRecord: portal.LogRecord{Event: ev, Raw: []byte(raw), Line: i + 1, Index: len(recs) + 1}, Format: "fhir"})
		}
	}
	c, err := w.Write(ctx, recs)
	if err != nil || c.Stored != len(recs) {
		t.Fatalf("stored %d of %d: %v", c.Stored, len(recs), err)
	}
	for _, tt := range tests {
		var text, record *string
		err := s.DB().QueryRowContext(ctx, `SELECT raw->>'text', raw->'record'::text FROM access_events WHERE source_log_id = $1`, tt.name).Scan(&text, &record)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		switch {
		case tt.asText && (text == nil || *text != tt.raw):
			t.Errorf("%s: raw not kept as text byte for byte", tt.name)
		case !tt.asText && record == nil:
			t.Errorf("%s: raw not kept as jsonb", tt.name)
		}
		var refused bool
		if _, err := s.DB().ExecContext(ctx, `SELECT $1::jsonb`, tt.raw); err != nil {
			refused = true
		}
		if tt.asText && tt.name != "nesting past the bound" && !refused {
			t.Errorf("%s: PostgreSQL takes it as jsonb; the case tests nothing", tt.name)
		}
		if !tt.asText && refused {
			t.Errorf("%s: PostgreSQL refuses it as jsonb", tt.name)
		}
	}
}
