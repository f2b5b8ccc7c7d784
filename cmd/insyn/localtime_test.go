package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal/store/storetest"
	"github.com/jmoiron/sqlx"
)

const (
	springGap    = "2026-03-29T02:30:00" // never occurred: clocks went from 02:00 to 03:00
	autumnTwice  = "2026-10-25T02:30:00" // occurred twice: clocks went from 03:00 back to 02:00
	ordinaryTime = "2026-06-10T09:15:00"
)

// One log in every format that takes times without an offset, with a time
// in the spring gap, one in the autumn overlap and an ordinary one, goes
// through ingest: the first is stored as winter time, the second as its
// first occurrence in summer time, both are marked in the database, and
// insyn quality counts them per source system.
func TestDaylightSavingLocalTimes(t *testing.T) {
	dsn := storetest.DSN(t)
	dir := t.TempDir()
	times := []string{springGap, autumnTwice, ordinaryTime}
	inputs := map[string]string{
		"riv2": riv2Doc(times),
		"riv1": fromTestdata(t, "riv1/testdata/local_time.xml", `<log:StartDate>`, `</log:StartDate>`, times, func(s string) string {
			// a third log, so that every time has one
			i := strings.Index(s, "<tjsr:Log>")
			j := strings.LastIndex(s, "</tjsr:Log>") + len("</tjsr:Log>")
			return s[:j] + strings.Replace(s[i:strings.Index(s, "</tjsr:Log>")+len("</tjsr:Log>")], "000000000021", "000000000023", 1) + s[j:]
		}),
		"atna": fromTestdata(t, "atna/testdata/se-patients.xml", `EventDateTime="`, `"`, times, nil),
		"fhir": fromTestdata(t, "fhir/testdata/se-read-r4.json", `"recorded": "`, `"`, times[:1], nil),
		"csv":  csvDoc(times),
	}
	for format, doc := range inputs {
		p := filepath.Join(dir, format)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		r := cli(t, dsn, nil, "ingest", "--format", format, "--source", "SYS-"+format, p)
		if r.code != 0 || !strings.Contains(r.stdout, `"stored":`) || strings.Contains(r.stdout, `"stored":0`) {
			t.Fatalf("%s: exit %d stdout %q stderr %q", format, r.code, r.stdout, r.stderr)
		}
	}

	db := sqlx.MustOpen("postgres", dsn)
	defer db.Close()
	var rows []struct {
		System string    `db:"source_system"`
		At     time.Time `db:"occurred_at"`
		Note   *string   `db:"local_time"`
	}
	if err := db.Select(&rows, `SELECT source_system, occurred_at, local_time::text AS local_time FROM access_events
		WHERE occurred_at >= '2026-03-29 00:30Z' AND occurred_at < '2026-03-29 02:00Z'
		   OR occurred_at >= '2026-10-24 23:30Z' AND occurred_at < '2026-10-25 02:00Z'
		   OR occurred_at = '2026-06-10 07:15Z'`); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // "system at" -> note
		"2026-03-29T01:30:00Z": "nonexistent", // 02:30 read as winter time, +01:00
		"2026-10-25T00:30:00Z": "ambiguous",   // 02:30 read as summer time, +02:00
		"2026-06-10T07:15:00Z": "",
	}
	seen := map[string]bool{}
	stored := map[string]int64{} // "local_time_<note> system" -> events
	for _, r := range rows {
		at := r.At.UTC().Format(time.RFC3339)
		note := ""
		if r.Note != nil {
			note = *r.Note
		}
		w, ok := want[at]
		if !ok || note != w {
			t.Errorf("%s: stored at %s marked %q", r.System, at, note)
		}
		seen[r.System+" "+note] = true
		if note != "" {
			stored["local_time_"+note+" "+r.System]++
		}
	}
	for format := range inputs {
		for _, note := range []string{"nonexistent", "ambiguous", ""} {
			if format == "fhir" && note != "nonexistent" {
				continue // one resource: the spring time
			}
			if !seen["SYS-"+format+" "+note] {
				t.Errorf("%s: no event stored with local time %q", format, note)
			}
		}
	}

	r := cli(t, dsn, nil, "quality", "--json")
	if r.code != 0 {
		t.Fatalf("quality: exit %d %s", r.code, r.stderr)
	}
	got := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var q struct {
			Field, Code string
			Count       int64
		}
		json.Unmarshal(sc.Bytes(), &q)
		if strings.HasPrefix(q.Field, "local_time_") {
			got[q.Field+" "+q.Code] = q.Count
		}
	}
	// Per source system, as many as are stored (ATNA's message names two
	// patients, so two events): nine in all, FHIR's
	// one resource having the spring time only.
	if len(stored) != 9 || len(got) != len(stored) {
		t.Errorf("quality lists %v, stored %v", got, stored)
	}
	for k, n := range stored {
		if got[k] != n {
			t.Errorf("quality: %s = %d, stored %d", k, got[k], n)
		}
	}
	table := cli(t, dsn, nil, "quality").stdout
	for _, s := range []string{"lokal tid som aldrig inträffade", "lokal tid som inträffade två gånger", "SYS-riv2", "i vintertid (UTC+1)"} {
		if !strings.Contains(table, s) {
			t.Errorf("quality table lacks %q:\n%s", s, table)
		}
	}
}

// fromTestdata reads a format package's test file and puts times, in
// order, in place of the values between open and close; edit, when set,
// changes the file first.
func fromTestdata(t *testing.T, rel, open, close string, times []string, edit func(string) string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "portal", "ingest", rel))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if edit != nil {
		s = edit(s)
	}
	var out strings.Builder
	for _, tm := range times {
		i := strings.Index(s, open)
		if i < 0 {
			t.Fatalf("%s: fewer than %d times", rel, len(times))
		}
		i += len(open)
		j := i + strings.Index(s[i:], close)
		out.WriteString(s[:i] + tm)
		s = s[j:]
	}
	out.WriteString(s)
	return out.String()
}

func riv2Doc(times []string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<lr:StoreLog xmlns:lr="urn:riv:informationsecurity:auditing:log:StoreLogResponder:2" xmlns:log="urn:riv:informationsecurity:auditing:log:2">
`)
	for i, tm := range times {
		b.WriteString(`<lr:log>
  <log:logId>dst-` + string(rune('a'+i)) + `</log:logId>
  <log:system><log:systemId>SE2321000016-SYS1</log:systemId></log:system>
  <log:activity><log:activityType>Läsa</log:activityType><log:startDate>` + tm + `</log:startDate><log:purpose>Vård och behandling</log:purpose></log:activity>
  <log:user><log:userId>SE2321000016-A1B2</log:userId>
    <log:careProvider><log:careProviderId>SE2321000016-0001</log:careProviderId></log:careProvider>
    <log:careUnit><log:careUnitId>SE2321000016-K7Q1</log:careUnitId><log:careUnitName>Vårdcentralen Kungsholmen</log:careUnitName></log:careUnit>
  </log:user>
  <log:resources><log:resource><log:resourceType>Journalanteckning</log:resourceType>
    <log:patient><log:patientId><log:root>1.2.752.129.2.1.3.1</log:root><log:extension>191212121212</log:extension></log:patientId></log:patient>
  </log:resource></log:resources>
</lr:log>
`)
	}
	b.WriteString("</lr:StoreLog>\n")
	return b.String()
}

// csvDoc writes the times in both spellings csvlog takes for a local time.
func csvDoc(times []string) string {
	var b strings.Builder
	b.WriteString("source_log_id,occurred_at,actor_hsa_id,actor_unit_hsa_id,activity,purpose,patient_id\n")
	for i, tm := range times {
		if i%2 == 1 {
			tm = strings.Replace(tm, "T", " ", 1) // the spreadsheet spelling
		}
		b.WriteString("dst-" + string(rune('a'+i)) + "," + tm + ",SE2321000016-A1B2,SE2321000016-U001,read,care,191212121212\n")
	}
	return b.String()
}
