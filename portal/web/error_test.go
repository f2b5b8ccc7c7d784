package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestInternalErrorGivesAReference: an internal error shows the request's
// id as a reference to quote, never as an "ärendenummer", the word the
// portal uses for the case numbers of the patient's flags.
func TestInternalErrorGivesAReference(t *testing.T) {
	base, st := startServerOn(t)
	st.Close() // the start page's figures cannot be read: an internal error
	for lang, want := range map[string]string{"sv": "Ange den här referensen om du kontaktar oss:", "en": "Quote this reference if you contact us:"} {
		resp, err := http.Get(base + "/?lang=" + lang)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body := string(b); resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, want) || strings.Contains(body, "ärendenummer") {
			t.Errorf("%s: %d\n%s", lang, resp.StatusCode, body)
		}
	}
}
