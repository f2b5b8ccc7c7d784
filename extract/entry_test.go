package extract_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/extract/extracttest"
	"github.com/insyn/insyn/portal"
)

// TestEntry resolves every row's key back to exactly that row, for the
// patient themselves, and refuses every key that is malformed, another
// patient's, outside a member of staff's providers, or gone.
func TestEntry(t *testing.T) {
	s := seeded(t)
	ctx := context.Background()
	req := request(t, "sv")
	req.Actor = portal.PatientActor(req.Patient, "")
	req.Channel = "web_entry"
	x := collect(t, s, req)
	rows := 0
	for _, d := range x.Days {
		for _, r := range d.Rows {
			rows++
			key := extract.EntryKey(r)
			if key != strconv.FormatInt(r.Events[0], 10) {
				t.Fatalf("key %q for events %v", key, r.Events)
			}
			gd, gr, err := extract.Entry(ctx, s, catalog, req, key)
			if err != nil {
				t.Fatalf("entry %s: %v", key, err)
			}
			if !reflect.DeepEqual(gr, r) || gd.Date != d.Date {
				t.Errorf("entry %s:\n got %s %+v\nwant %s %+v", key, gd.Date, gr, d.Date, r)
			}
			// Any event of the sitting names the same sitting.
			if len(r.Events) > 1 {
				_, gr, err := extract.Entry(ctx, s, catalog, req, strconv.FormatInt(r.Events[len(r.Events)-1], 10))
				if err != nil || !reflect.DeepEqual(gr, r) {
					t.Errorf("last event of %s: %v %+v", key, err, gr)
				}
			}
		}
	}
	if rows < 8 {
		t.Fatalf("only %d rows in the fixture", rows)
	}
	first := extract.EntryKey(x.Days[0].Rows[0])
	notFound := func(what string, req extract.Request, key string) {
		t.Helper()
		_, _, err := extract.Entry(ctx, s, catalog, req, key)
		if portal.ErrorCode(err) != portal.NotFound || !errors.Is(err, portal.ErrNotFound) {
			t.Errorf("%s (%q): %v, want not found", what, key, err)
		}
	}
	for _, key := range []string{"", "0", "0" + first, "-" + first, "+" + first, first + " ", "abc", "1e3",
		"99999999999999999999", "9223372036854775807", first + "0000"} {
		notFound("malformed or unknown", req, key)
	}
	// Another patient: their own log holds no such event, and they may not
	// ask for Tolvan's.
	other, err := portal.ParsePersonalID(extracttest.OtherPatient)
	if err != nil {
		t.Fatal(err)
	}
	oreq := req
	oreq.Patient, oreq.Actor = other, portal.PatientActor(other, "")
	notFound("another patient's own log", oreq, first)
	oreq.Patient = req.Patient
	notFound("another patient asking for Tolvan", oreq, first)
	// Staff read only their own provider's events.
	sreq := req
	sreq.Actor = portal.StaffActor("SE5565594230-9001", "Kim Kontorist", portal.Grant{Provider: extracttest.CompanyHSA, Role: portal.RoleClerk})
	notFound("an event outside the clerk's provider", sreq, first)
	var nils string
	for _, d := range x.Days {
		for _, r := range d.Rows {
			if r.Emergency {
				nils = extract.EntryKey(r)
			}
		}
	}
	if _, r, err := extract.Entry(ctx, s, catalog, sreq, nils); err != nil || !r.Emergency {
		t.Errorf("clerk reading their provider's emergency access: %v %+v", err, r)
	}
	// Gone.
	if _, err := s.DB().Exec(`DELETE FROM access_events WHERE id = $1`, x.Days[0].Rows[0].Events[0]); err != nil {
		t.Fatal(err)
	}
	notFound("a deleted event", req, first)

	// Each resolution was recorded as a read of that one day.
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM log_reads WHERE channel = 'web_entry' AND period_to - period_from = interval '1 day'`); err != nil {
		t.Fatal(err)
	}
	if n < rows {
		t.Errorf("%d day reads recorded for %d entries", n, rows)
	}
}
