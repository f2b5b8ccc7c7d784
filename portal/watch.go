package portal

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The staff directory search behind the watchlist (DESIGN.md section 9):
// by name only, a few letters at least, a few results at most, so it
// cannot be used to list the directory.
const (
	MinWatchQuery   = 3  // letters in the query, spaces not counted
	MaxWatchQuery   = 60 // characters
	MaxWatchResults = 10
	MaxWatchWords   = 3
	MaxWatched      = 50 // people on one patient's list at a time
)

// Watch is one person on a patient's watchlist: any access by them to the
// patient's record from Added on (until Removed, when set) raises a case
// with source watchlist. Name, Title and Units are what the patient sees
// of them; the HSA-id never leaves the store for a page.
type Watch struct {
	Key     string // opaque, for the remove form
	Staff   HSAID
	Name    string
	Title   string
	Units   []string
	Added   time.Time
	Removed time.Time // zero while watched
}

// StaffMatch is one result of the watchlist search: name, title and units,
// nothing else about the person.
type StaffMatch struct {
	Staff HSAID // the store's: pages show Key instead
	Name  string
	Title string
	Units []string
}

// WatchQuery splits a search into lower-case words, each a prefix of a
// given or family name. Too short, too long or too many words is Invalid,
// with a message for the field.
func WatchQuery(q string) ([]string, error) {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > MaxWatchQuery || !utf8.ValidString(q) {
		return nil, Errorf(Invalid, "watch.error.query_long", "search is too long").With("Max", MaxWatchQuery)
	}
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '-' && r != '\''
	})
	letters := 0
	for _, w := range words {
		letters += utf8.RuneCountInString(w)
	}
	if letters < MinWatchQuery {
		return nil, Errorf(Invalid, "watch.error.query_short", "search is too short").With("Min", MinWatchQuery)
	}
	if len(words) > MaxWatchWords {
		return nil, Errorf(Invalid, "watch.error.query_words", "search has too many words").With("Max", MaxWatchWords)
	}
	return words, nil
}

// CanWatch tells whether the actor keeps a watchlist: a patient, for
// themselves or for the child they act for. Staff and the system do not.
func CanWatch(a Actor) bool { return a.Kind == ActorPatient && a.Validate() == nil }
