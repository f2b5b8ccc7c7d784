package extract

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
)

// EntryKey is the opaque key of a row (a sitting) in URLs: the decimal id
// of its first event. It says nothing about the patient, and Entry answers
// it only for a reader who may read that event.
func EntryKey(r Row) string {
	if len(r.Events) == 0 {
		return ""
	}
	return strconv.FormatInt(r.Events[0], 10)
}

// Entry resolves key to the sitting it names, for req.Actor reading
// req.Patient: it finds the event's day through the store's scoped read,
// rebuilds that day's rows with the same builder as the whole extract (a
// sitting never crosses midnight, so the row is exactly the one the
// history shows) and returns the day and the row. A malformed key, an
// event of another patient or outside the reader's scope, or one that is
// gone is NotFound, alike. req.From and req.To are ignored; the read is
// recorded in log_reads for that day.
func Entry(ctx context.Context, src Source, cat *i18n.Catalog, req Request, key string) (Day, Row, error) {
	id, err := parseKey(key)
	if err != nil {
		return Day{}, Row{}, err
	}
	if err := req.Actor.Validate(); err != nil {
		return Day{}, Row{}, err
	}
	at, err := src.EventTime(ctx, req.Actor, req.Patient, id)
	if err != nil {
		return Day{}, Row{}, err
	}
	local := at.In(portal.Stockholm)
	req.From = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, portal.Stockholm)
	req.To = req.From.AddDate(0, 0, 1)
	var c Collect
	if _, err := Build(ctx, src, cat, req, &c); err != nil {
		return Day{}, Row{}, err
	}
	for _, d := range c.Extract.Days {
		for _, r := range d.Rows {
			if slices.Contains(r.Events, id) {
				return d, r, nil
			}
		}
	}
	// Gone between the two reads.
	return Day{}, Row{}, entryNotFound()
}

// parseKey accepts only what EntryKey makes: a positive decimal without
// sign or leading zeros, so one event has one key.
func parseKey(key string) (int64, error) {
	if key == "" || len(key) > 19 || key[0] == '0' {
		return 0, entryNotFound()
	}
	for i := 0; i < len(key); i++ {
		if key[i] < '0' || key[i] > '9' {
			return 0, entryNotFound()
		}
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil || id <= 0 {
		return 0, entryNotFound()
	}
	return id, nil
}

func entryNotFound() error {
	return &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "no such entry", Err: portal.ErrNotFound}
}
