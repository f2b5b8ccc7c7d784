package extract

import (
	"strings"
	"testing"

	"github.com/insyn/insyn/portal/seed"
)

// The synthetic region uses only information types the extract can put
// into words, so a demo shows no "other type of information".
func TestSeedResourceTypesHaveWords(t *testing.T) {
	for _, rt := range seed.ResourceTypes() {
		if _, known := infoMsg(rt); !known {
			t.Errorf("resource type %q has no plain word", rt)
		}
	}
}

// plainName's fast path gives what strings.Fields would.
func TestPlainNameTidy(t *testing.T) {
	for _, s := range []string{"Åsa Öberg", " Åsa Öberg", "Åsa  Öberg", "Åsa Öberg ", "Åsa\u00a0Öberg", "Åsa\tÖberg", "", " ", "Kim"} {
		want := strings.Join(strings.Fields(s), " ")
		if got := plainName(s); got != want {
			t.Errorf("plainName(%q) = %q, want %q", s, got, want)
		}
	}
}
