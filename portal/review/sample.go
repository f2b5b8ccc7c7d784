package review

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultUsersPerUnit is how many users a month's sample draws per care
// unit unless told otherwise: what IMY's guidance and most providers use.
const DefaultUsersPerUnit = 10

// DefaultSeed is the seed of a month's draw when none is given: the month
// as the number YYYYMM (202603 for March 2026). The draw is then
// reproducible from the month alone, yet not known before the month's
// accesses are.
func DefaultSeed(month time.Time) int64 {
	return int64(month.Year()*100 + int(month.Month()))
}

// DrawKey is a user's place in the draw: the hexadecimal SHA-256 of the
// seed in decimal, a colon and the HSA-id ("202603:SE2321000016-5001").
// Users are drawn in ascending order of this key. The store computes the
// same key in SQL (sha256(convert_to(seed || ':' || hsa_id, 'UTF8'))); an
// auditor computes it with `printf '%s:%s' SEED HSAID | sha256sum`.
func DrawKey(seed int64, hsaID string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(seed, 10) + ":" + hsaID))
	return hex.EncodeToString(sum[:])
}

// Draw orders candidates by DrawKey and keeps the first n: the whole of
// the draw, so that anyone holding the seed and the list of users who
// acted for the unit in the month draws the same users.
func Draw(seed int64, candidates []string, n int) []string {
	c := slices.Clone(candidates)
	slices.Sort(c)
	c = slices.Compact(c)
	keys := make(map[string]string, len(c))
	for _, id := range c {
		keys[id] = DrawKey(seed, id)
	}
	slices.SortFunc(c, func(a, b string) int { return strings.Compare(keys[a], keys[b]) })
	return c[:min(n, len(c))]
}

// Criteria is the selection criteria kept with a draw, in words an
// auditor reads next to the seed.
func Criteria(month time.Time, unit string, seed int64, n int) string {
	return fmt.Sprintf("users (actor HSA-id) with at least one access acting for unit %s in %s (Europe/Stockholm); "+
		"ordered by hex sha256 of \"%d:<HSA-id>\" ascending; the first %d drawn", unit, month.Format("2006-01"), seed, n)
}
