package extract

import (
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
