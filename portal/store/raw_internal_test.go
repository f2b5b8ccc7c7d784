package store

import (
	"encoding/json"
	"testing"

	"github.com/insyn/insyn/portal"
)

func TestRawJSONRoundTrips(t *testing.T) {
	for _, raw := range []string{
		`<urn1:log a="b">Åsa & "Öberg" <x/>\path</urn1:log>`,
		"line\nbreak\ttab\rcr\x01\x1f end",
		"",
	} {
		r := &IngestRecord{LogRecord: portal.LogRecord{Raw: []byte(raw), Line: 7}, Format: "riv2"}
		var got struct {
			Format string `json:"format"`
			Line   int    `json:"line"`
			Text   string `json:"text"`
		}
		out := rawJSON(r)
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		if got.Text != raw || got.Format != "riv2" || got.Line != 7 {
			t.Errorf("round trip of %q gave %+v", raw, got)
		}
	}
	obj := &IngestRecord{LogRecord: portal.LogRecord{Raw: []byte(`{"resourceType":"AuditEvent"}`)}, Format: "fhir"}
	if out := rawJSON(obj); out != `{"format":"fhir","line":0,"record":{"resourceType":"AuditEvent"}}` {
		t.Errorf("JSON record: %s", out)
	}
}
