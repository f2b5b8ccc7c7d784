package portal

import (
	"testing"
	"time"
)

func TestPurposeFromActReason(t *testing.T) {
	tests := []struct {
		code      string
		want      Purpose
		emergency bool
		ok        bool
	}{
		{"TREAT", PurposeCare, false, true},
		{"treat", PurposeCare, false, true},
		{" TREAT ", PurposeCare, false, true},
		{"CAREMGT", PurposeCare, false, true},
		{"COC", PurposeCare, false, true},
		{"POPHLTH", PurposeCare, false, true},
		{"ETREAT", PurposeCare, true, true},
		{"BTG", PurposeCare, true, true},
		{"ERTREAT", PurposeCare, true, true},
		{"EMER", PurposeCare, true, true}, // Swiss EPR emergency access
		{"HOPERAT", PurposeAdministration, false, true},
		{"HPAYMT", PurposeAdministration, false, true},
		{"HSYSADMIN", PurposeAdministration, false, true},
		{"COVERAGE", PurposeAdministration, false, true},
		{"HQUALIMP", PurposeQualityAssurance, false, true},
		{"HOUTCOMS", PurposeQualityAssurance, false, true},
		{"HRESCH", PurposeStatistics, false, true},
		{"CLINTRCH", PurposeStatistics, false, true},
		{"PATRQT", PurposeOther, false, true},
		{"FAMRQT", PurposeOther, false, true},
		{"PUBHLTH", PurposeOther, false, true},
		{"HMARKT", PurposeOther, false, true},
		{"HLEGAL", PurposeOther, false, true},
		{"NORM", PurposeOther, false, false},         // Swiss EPR "normal access" says no purpose
		{"PUBLICHEALTH", PurposeOther, false, false}, // NHIN, not ActReason
		{"Vård och behandling", PurposeOther, false, false},
		{"", PurposeOther, false, false},
	}
	for _, tt := range tests {
		p, emergency, ok := PurposeFromActReason(tt.code)
		if p != tt.want || emergency != tt.emergency || ok != tt.ok {
			t.Errorf("PurposeFromActReason(%q) = %q, %v, %v; want %q, %v, %v",
				tt.code, p, emergency, ok, tt.want, tt.emergency, tt.ok)
		}
	}
}

func TestParseLogTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: refused
	}{
		{"2024-03-14T09:12:31Z", time.Date(2024, 3, 14, 9, 12, 31, 0, time.UTC)},
		{"2024-03-14T09:12:31.000+01:00", time.Date(2024, 3, 14, 8, 12, 31, 0, time.UTC)},
		{"2023-09-11T14:18:27.579+02:00", time.Date(2023, 9, 11, 12, 18, 27, 579e6, time.UTC)},
		{"2020-06-04T10:54:39.571Z", time.Date(2020, 6, 4, 10, 54, 39, 571e6, time.UTC)},
		{"2024-03-14T09:12:31.123456789-05:00", time.Date(2024, 3, 14, 14, 12, 31, 123456789, time.UTC)},
		{" 2024-03-14T09:12:31Z\n", time.Date(2024, 3, 14, 9, 12, 31, 0, time.UTC)},
		{"2024-03-14T09:12:31z", time.Date(2024, 3, 14, 9, 12, 31, 0, time.UTC)}, // xs:dateTime allows a lower-case z
		// xs:dateTime without a zone is Stockholm time, winter and summer.
		{"2024-03-15T02:47:05", time.Date(2024, 3, 15, 1, 47, 5, 0, time.UTC)},
		{"2024-07-01T14:30:00.5", time.Date(2024, 7, 1, 12, 30, 0, 5e8, time.UTC)},
		{"2024-03-15", time.Time{}}, // a date alone is not a time of access
		{"2024-03-15T02:47", time.Time{}},
		{"15 March 2024", time.Time{}},
		{"", time.Time{}},
		{"?", time.Time{}},
		{"2024-13-01T00:00:00Z", time.Time{}},
	}
	for _, tt := range tests {
		got, err := ParseLogTime(tt.in, nil)
		if tt.want.IsZero() {
			if err == nil {
				t.Errorf("ParseLogTime(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseLogTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// A local time keeps Stockholm as its location, for display.
	if got, _ := ParseLogTime("2024-03-15T02:47:05", nil); got.Location() != Stockholm {
		t.Errorf("location %v, want Stockholm", got.Location())
	}
}

// Local times around the daylight-saving changes: a time that never
// occurred (spring, the clocks go forward at 02:00) is read with winter
// time's offset, a time that occurred twice (autumn, the clocks go back
// at 03:00) as its first occurrence, in summer time; both are noted.
// Times beside the changes, and times with an offset, are ordinary.
func TestParseLogTimeDaylightSaving(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		note LocalTime
	}{
		{"2026-03-29T01:59:59", time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC), ""},
		{"2026-03-29T02:00:00", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), LocalTimeNonexistent},
		{"2026-03-29T02:30:00.5", time.Date(2026, 3, 29, 1, 30, 0, 5e8, time.UTC), LocalTimeNonexistent},
		{"2026-03-29T02:59:59", time.Date(2026, 3, 29, 1, 59, 59, 0, time.UTC), LocalTimeNonexistent},
		{"2026-03-29T03:00:00", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), ""},
		{"2026-10-25T01:59:59", time.Date(2026, 10, 24, 23, 59, 59, 0, time.UTC), ""},
		{"2026-10-25T02:00:00", time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), LocalTimeAmbiguous},
		{"2026-10-25T02:30:00", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), LocalTimeAmbiguous},
		{"2026-10-25T02:59:59.999", time.Date(2026, 10, 25, 0, 59, 59, 999e6, time.UTC), LocalTimeAmbiguous},
		{"2026-10-25T03:00:00", time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), ""},
		{"1996-10-27T02:30:00", time.Date(1996, 10, 27, 0, 30, 0, 0, time.UTC), LocalTimeAmbiguous},
		{"1985-09-29T02:30:00", time.Date(1985, 9, 29, 0, 30, 0, 0, time.UTC), LocalTimeAmbiguous}, // autumn in September until 1995
		{"2026-10-25T02:30:00+01:00", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), ""},
		{"2026-03-29T02:30:00Z", time.Date(2026, 3, 29, 2, 30, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		note := LocalTime("stale")
		got, err := ParseLogTime(tt.in, &note)
		if err != nil || !got.Equal(tt.want) || note != tt.note {
			t.Errorf("ParseLogTime(%q) = %v %q, %v; want %v %q", tt.in, got.UTC(), note, err, tt.want, tt.note)
		}
	}
}

// Every Swedish wall clock time is read by the rule: an ordinary or
// repeated time shows its own wall clock in Stockholm (a repeated one the
// first time round, so an hour later shows it again), and a skipped one
// is read with the offset before the gap, an hour later on the clock.
func FuzzStockholmTime(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(1774751400)) // 2026-03-29T02:30:00 as a wall clock
	f.Add(int64(1792895400)) // 2026-10-25T02:30:00
	f.Add(int64(496809000))  // 1985-09-29T02:30:00, autumn in September until 1995
	f.Fuzz(func(t *testing.T, secs int64) {
		lo := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		hi := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		if span := hi - lo; secs < lo || secs >= hi {
			secs = lo + ((secs-lo)%span+span)%span
		}
		wall := time.Unix(secs, 0).UTC()
		got, note := StockholmTime(wall)
		local := got.In(Stockholm)
		shown := wallOf(got)
		switch note {
		case "":
			if !shown.Equal(wall) || wallOf(got.Add(time.Hour)).Equal(wall) || wallOf(got.Add(-time.Hour)).Equal(wall) {
				t.Fatalf("%v read as %v", wall, local)
			}
		case LocalTimeAmbiguous:
			if !shown.Equal(wall) || !wallOf(got.Add(time.Hour)).Equal(wall) {
				t.Fatalf("%v (twice) read as %v, not the first time round", wall, local)
			}
		case LocalTimeNonexistent:
			_, off := got.Add(-time.Hour).Zone()
			if !shown.Equal(wall.Add(time.Hour)) || off != 3600 {
				t.Fatalf("%v (never) read as %v", wall, local)
			}
		}
	})
}

// wallOf is t's Stockholm wall clock, as a UTC time.
func wallOf(t time.Time) time.Time {
	l := t.In(Stockholm)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}
