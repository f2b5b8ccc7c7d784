package store

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONBSafe(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{`{}`, true},
		{`{"a":[1,-0.5e+3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e5"],"b":{}} ` + "\n", true},
		{`{"a":"\\u0000"}`, true},
		{`{"a":"\u0000"}`, false},
		{`{"a":"\uD800\uDC00"}`, true},
		{`{"a":"\uD800"}`, false},
		{`{"a":"\uDBFF\\uDC00"}`, false},
		{`{"a":1e1000}`, true},
		{`{"a":1E+01000}`, true},
		{`{"a":1e1001}`, false},
		{`{"a":1e-99999}`, false},
		{`{"a":` + strings.Repeat("1", 1000) + `}`, true},
		{`{"a":` + strings.Repeat("1", 1001) + `}`, false},
		{`[]`, false},
		{`{"a":1}{}`, false},
		{`{"a":1,}`, false},
		{`{"a":[1,]}`, false},
		{`{"a":01}`, false},
		{`{"a":1.}`, false},
		{`{"a":-}`, false},
		{`{"a":tru}`, false},
		{`{"a":[}`, false},
		{`{"a":{]}`, false},
		{`{"a" 1}`, false},
		{`{1:1}`, false},
		{"{\"a\":\"\t\"}", false},
		{`{"a":"x`, false},
		{`{"a":"\x"}`, false},
		{`{"a":"\u12"}`, false},
		{`{"a":1`, false},
	} {
		if got := jsonbSafe([]byte(tt.in)); got != tt.want {
			t.Errorf("jsonbSafe(%.60q) = %v", tt.in, got)
		}
	}
}

// jsonbSafe never says yes to what is not JSON, and says yes to plain
// JSON objects (no \u escapes, short numbers, shallow).
func FuzzJSONBSafe(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5e3,"x\\u0000"],"b":{"c":null}}`))
	f.Add([]byte(`{"a":"\ud800\udc00","b":"\u0000"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return // CheckText quarantines such records before the store
		}
		got := jsonbSafe(b)
		valid := json.Valid(b) && len(b) > 0 && b[0] == '{'
		if got && !valid {
			t.Fatalf("jsonbSafe says yes to what is not one JSON object")
		}
		if valid && !got && !strings.Contains(string(b), `\u`) && len(b) < maxJSONBNumberLen && strings.Count(string(b), "[")+strings.Count(string(b), "{") < maxJSONBDepth {
			t.Fatalf("jsonbSafe refuses a plain JSON object")
		}
	})
}

// jsonbSafe replaces json.Valid in rawJSON; it must cost no more.
func BenchmarkJSONBSafe(b *testing.B) {
	rec := []byte(`{"resourceType":"AuditEvent","id":"sos-journal-4711","action":"R","recorded":"2024-03-14T09:12:31.000+01:00",` +
		`"agent":[{"who":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.4.1","value":"SE2321000016-A1B2"},"display":"Karin Lindqvist"},` +
		`"requestor":true,"location":{"display":"Akutmottagningen S\u00f6dersjukhuset"}}],"n":[1,2.5,-3e2,true,null],` +
		`"entity":[{"what":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"191212121212"}},"role":{"code":"1"}}]}`)
	b.Run("jsonbSafe", func(b *testing.B) {
		b.SetBytes(int64(len(rec)))
		for b.Loop() {
			if !jsonbSafe(rec) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(rec)))
		for b.Loop() {
			if !json.Valid(rec) {
				b.Fatal("refused")
			}
		}
	})
}
