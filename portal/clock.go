package portal

import (
	"sync"
	"time"
	_ "time/tzdata" // Europe/Stockholm must exist on minimal machines
)

// Clock gives the current time; main passes the real one, tests a fixed one.
type Clock interface{ Now() time.Time }

// SystemClock reads the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns the same instant (settable, for tests).
type FixedClock struct {
	mu sync.Mutex
	T  time.Time
}

func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.T
}

// Stockholm is the time zone people in Insyn read times in.
var Stockholm = mustLoadLocation("Europe/Stockholm")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded by main; this cannot fail there
	}
	return loc
}
