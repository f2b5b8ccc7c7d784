package extract

import (
	"strconv"
	"testing"

	"github.com/insyn/insyn/portal"
)

// FuzzEntryKey: a key either names exactly one event id, written back the
// same way by EntryKey, or is not found; nothing else.
func FuzzEntryKey(f *testing.F) {
	for _, s := range []string{"1", "42", "0", "01", "-1", "+1", " 1", "1 ", "9223372036854775807", "9223372036854775808", "1e3", "٣", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		id, err := parseKey(key)
		if err != nil {
			if portal.ErrorCode(err) != portal.NotFound {
				t.Fatalf("%q: %v", key, err)
			}
			return
		}
		if id <= 0 || EntryKey(Row{Events: []int64{id}}) != key || strconv.FormatInt(id, 10) != key {
			t.Fatalf("%q resolved to %d", key, id)
		}
	})
}
