package refdata_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/refdata"
	"github.com/insyn/insyn/portal/seed"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// pid makes a valid personnummer from a birth date and a serial.
func pid(date, serial string) string {
	nine := date[2:] + serial
	return date[:2] + nine + string(portal.LuhnDigit(nine))
}

func TestImportSeededRegionAndReimport(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "region")
	if _, err := seed.Generate(seed.Options{Patients: 300, Staff: 120, Days: 30, Events: 2000, Seed: 3}, dir); err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, nil)
	results, err := refdata.ImportDir(ctx, st, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(refdata.Kinds) {
		t.Fatalf("imported %d files, want %d", len(results), len(refdata.Kinds))
	}
	for _, r := range results {
		if r.Failed != 0 {
			t.Errorf("%s: %d bad rows: %v", r.File, r.Failed, r.Errors)
		}
		if want := csvRows(t, filepath.Join(dir, r.Kind.FileName())); r.Rows != want {
			t.Errorf("%s: %d rows stored, file has %d", r.File, r.Rows, want)
		}
	}
	want := store.ReferenceCounts{
		Providers: 2, Units: 40, Staff: 120, Patients: 300,
		Assignments:   int64(csvRows(t, filepath.Join(dir, "assignments.csv"))),
		Relations:     int64(csvRows(t, filepath.Join(dir, "relations.csv"))),
		CareRelations: int64(csvRows(t, filepath.Join(dir, "care_relations.csv"))),
	}
	got, err := st.ReferenceCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}

	// Re-import: nothing is duplicated.
	if _, err := refdata.ImportDir(ctx, st, dir); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.ReferenceCounts(ctx); again != want {
		t.Fatalf("after re-import %+v, want %+v", again, want)
	}

	// Changed values stick on re-import.
	pop := readCSV(t, filepath.Join(dir, "population.csv"))
	target := pop[1][0]
	pop[1][2], pop[1][8], pop[1][7] = "Ändradsson", "true", "2026-10-20"
	writeCSV(t, filepath.Join(dir, "population.csv"), pop)
	care := readCSV(t, filepath.Join(dir, "care_relations.csv"))
	care[1][5] = "2026-12-24 15:00"
	writeCSV(t, filepath.Join(dir, "care_relations.csv"), care)
	im := &refdata.Importer{Store: st}
	for _, k := range []refdata.Kind{refdata.Population, refdata.Care} {
		if res, err := im.ImportFile(ctx, k, filepath.Join(dir, k.FileName())); err != nil || res.Failed != 0 {
			t.Fatalf("%s: %v %v", k, err, res.Errors)
		}
	}
	var p struct {
		Family   string    `db:"family_name"`
		VIP      bool      `db:"vip"`
		Deceased time.Time `db:"deceased_on"`
	}
	if err := st.DB().GetContext(ctx, &p, `SELECT family_name, vip, deceased_on FROM patients WHERE personal_id = $1`, target); err != nil {
		t.Fatal(err)
	}
	if p.Family != "Ändradsson" || !p.VIP || p.Deceased.Format(time.DateOnly) != "2026-10-20" {
		t.Errorf("updated patient %+v", p)
	}
	var ends time.Time
	if err := st.DB().GetContext(ctx, &ends, `SELECT ends_at FROM care_relations WHERE personal_id = $1 AND unit_hsa_id = $2 AND kind = $3 AND starts_at = $4`,
		care[1][0], care[1][1], care[1][3], care[1][4]); err != nil {
		t.Fatal(err)
	}
	if !ends.Equal(time.Date(2026, 12, 24, 15, 0, 0, 0, portal.Stockholm)) {
		t.Errorf("ends_at %v", ends)
	}
	if again, _ := st.ReferenceCounts(ctx); again != want {
		t.Fatalf("after update %+v, want %+v", again, want)
	}
}

func TestBadRowsAreReportedAndGoodRowsKept(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, nil)
	good1, good2, good3 := pid("19121212", "121"), pid("19800101", "238"), pid("20010505", "000")
	badLuhn := good2[:11] + string('0'+(good2[11]-'0'+1)%10)
	// Columns in another order than the design's, plus an unknown one.
	in := strings.Join([]string{
		"given_name,personal_id,family_name,nickname,deceased_on,vip", // 1: unknown column
		"Tolvan," + good1 + ",Tolvansson,x,,false",                    // 2: good
		"Bertil," + badLuhn + ",Berg,x,,false",                        // 3: bad Luhn
		"Cecilia," + good2 + ",Carlsson,x,,false,extra",               // 4: an extra field
		"David," + good2 + ",Dahl,x,2026-13-01,false",                 // 5: bad date
		"Eva," + good2 + ",Ek,x,2026-01-31,true",                      // 6: good
		`"Fia` + "\n" + `Lisa",` + good3 + `,Falk,x,,false`,           // 7-8: good, a quoted newline
		"Gun," + good1 + ",Gran,x,,yes",                               // 9: bad boolean
	}, "\n") + "\n"
	var streamed []refdata.RowError
	im := &refdata.Importer{Store: st, BatchSize: 2, OnError: func(e refdata.RowError) { streamed = append(streamed, e) }}
	res, err := im.Import(ctx, refdata.Population, "population.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	wantErrs := []struct {
		line int
		msg  string
	}{{1, "import.error.unknown_column"}, {3, "error.personal_id.luhn"}, {4, "import.error.field_count"},
		{5, "import.error.date"}, {9, "import.error.bool"}}
	if res.Rows != 3 || res.Failed != len(wantErrs) || len(streamed) != len(wantErrs) {
		t.Fatalf("rows %d, failed %d, streamed %d: %v", res.Rows, res.Failed, len(streamed), res.Errors)
	}
	for i, w := range wantErrs {
		e := res.Errors[i]
		id, _ := portal.ErrorMsgID(e.Err)
		if e.File != "population.csv" || e.Line != w.line || id != w.msg {
			t.Errorf("error %d: %s:%d %s, want line %d %s", i, e.File, e.Line, id, w.line, w.msg)
		}
		if strings.Contains(e.Error(), badLuhn) || strings.Contains(e.Error(), good2) {
			t.Errorf("error text quotes a personal id: %s", e.Error())
		}
		if !strings.HasPrefix(e.Error(), "population.csv:") {
			t.Errorf("error text %q lacks file:line", e.Error())
		}
	}
	var names []string
	if err := st.DB().SelectContext(ctx, &names, `SELECT given_name FROM patients ORDER BY given_name`); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"Eva", "Fia\nLisa", "Tolvan"}) {
		t.Errorf("stored %q", names)
	}
}

func TestMissingColumnIsOneError(t *testing.T) {
	st := storetest.Open(t, nil)
	in := "personal_id,given_name,street\n" + pid("19121212", "121") + ",Tolvan,Storgatan 1\n"
	res, err := (&refdata.Importer{Store: st}).Import(context.Background(), refdata.Population, "population.csv", strings.NewReader(in))
	var pe *portal.Error
	if !errors.As(err, &pe) || pe.MsgID != "import.error.missing_columns" || pe.Data["Columns"] != "family_name" {
		t.Fatalf("err = %v", err)
	}
	if res.Rows != 0 {
		t.Errorf("stored %d rows", res.Rows)
	}
	if _, err := (&refdata.Importer{Store: st}).Import(context.Background(), refdata.Units, "units.csv", strings.NewReader("")); portal.ErrorCode(err) != portal.Invalid {
		t.Errorf("empty file: %v", err)
	}
}

func TestUnknownReferencesAndDuplicates(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, nil)
	im := &refdata.Importer{Store: st, BatchSize: 3}
	imp := func(k refdata.Kind, in string) refdata.Result {
		t.Helper()
		res, err := im.Import(ctx, k, k.FileName(), strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	imp(refdata.Providers, "hsa_id,org_nr,name\nSE2321000016-0001,232100-0016,Region Test\n")
	res := imp(refdata.Units, "hsa_id,provider_hsa_id,name,protected\n"+
		"SE2321000016-E001,SE2321000016-0001,Första namnet,false\n"+
		"SE2321000016-E002,SE9999999999-0001,Fel vårdgivare,false\n"+
		"SE2321000016-E001,SE2321000016-0001,Andra namnet,TRUE\n"+ // same key in one batch: last wins
		"SE2321000016-E003,SE2321000016-0001,Tredje,false\n")
	if res.Rows != 3 || res.Failed != 1 || res.Errors[0].Line != 3 {
		t.Fatalf("units: %+v", res)
	}
	if id, data := portal.ErrorMsgID(res.Errors[0].Err); id != "import.error.unknown_provider" || data["HSAID"] != "SE9999999999-0001" {
		t.Errorf("unknown provider: %s %v", id, data)
	}
	var u struct {
		Name      string `db:"name"`
		Protected bool   `db:"protected"`
	}
	if err := st.DB().GetContext(ctx, &u, `SELECT name, protected FROM units WHERE hsa_id = 'SE2321000016-E001'`); err != nil {
		t.Fatal(err)
	}
	if u.Name != "Andra namnet" || !u.Protected {
		t.Errorf("unit %+v", u)
	}
	imp(refdata.Staff, "hsa_id,given_name,family_name,title,employed_from\nSE2321000016-P001,Anna,Berg,Läkare,2020-01-01\n")
	res = imp(refdata.Assignments, "staff_hsa_id,unit_hsa_id,name,valid_from,valid_to\n"+
		"SE2321000016-P001,SE2321000016-E001,Läkare på Första,2020-01-01,\n"+
		"SE2321000016-P999,SE2321000016-E001,Läkare på Första,,\n"+
		"SE2321000016-P001,SE2321000016-E999,Läkare,,\n"+
		"SE2321000016-P001,SE2321000016-E003,Läkare på Tredje,2021-01-01,2020-01-01\n")
	if res.Rows != 1 || res.Failed != 3 {
		t.Fatalf("assignments: %+v", res)
	}
	for i, want := range []string{"import.error.unknown_staff", "import.error.unknown_unit", "import.error.order"} {
		if id, _ := portal.ErrorMsgID(res.Errors[i].Err); id != want || res.Errors[i].Line != i+3 {
			t.Errorf("assignment error %d: line %d %s, want line %d %s", i, res.Errors[i].Line, id, i+3, want)
		}
	}
	a, b := pid("19800101", "238"), pid("19820202", "246")
	res = imp(refdata.Relations, "personal_id_a,personal_id_b,kind\n"+a+","+b+",spouse\n"+b+","+a+",spouse\n"+a+","+b+",parent\n"+a+","+a+",sibling\n"+a+","+b+",cousin\n")
	if res.Rows != 3 || res.Failed != 2 {
		t.Fatalf("relations: %+v", res)
	}
	c, _ := st.ReferenceCounts(ctx)
	if c.Relations != 2 {
		t.Errorf("relations stored %d, want 2 (a spouse pair given both ways is one)", c.Relations)
	}
	res = imp(refdata.Care, "personal_id,unit_hsa_id,staff_hsa_id,kind,starts_at,ends_at\n"+
		a+",SE2321000016-E001,,admission,2026-03-05 14:02,2026-03-07T10:00:00+01:00\n"+
		a+",SE2321000016-E001,,visit,igår,\n"+
		a+",SE2321000016-E001,,admission,2026-03-05T13:02:00Z,2026-03-04 10:00\n"+
		a+",SE2321000016-E001,,consultation,2026-03-05 14:02,\n")
	if res.Rows != 1 || res.Failed != 3 {
		t.Fatalf("care: %+v", res)
	}
	var starts time.Time
	if err := st.DB().GetContext(ctx, &starts, `SELECT starts_at FROM care_relations`); err != nil {
		t.Fatal(err)
	}
	if !starts.Equal(time.Date(2026, 3, 5, 13, 2, 0, 0, time.UTC)) {
		t.Errorf("starts_at %v: a time without offset is Stockholm time", starts)
	}
}

func TestImportDirSkipsMissingFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "providers.csv"), []byte("hsa_id,org_nr,name\nSE2321000016-0001,,Region Test\n"), 0o644)
	results, err := refdata.ImportDir(context.Background(), storetest.Open(t, nil), dir)
	if err != nil || len(results) != 1 || results[0].Rows != 1 {
		t.Fatalf("%v %+v", err, results)
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]refdata.Kind{"care": refdata.Care, "care_relations": refdata.Care, "Population": refdata.Population} {
		if got, ok := refdata.ParseKind(in); !ok || got != want {
			t.Errorf("ParseKind(%q) = %q", in, got)
		}
	}
	if _, ok := refdata.ParseKind("patients"); ok {
		t.Error("patients is not a kind")
	}
	if refdata.Care.FileName() != "care_relations.csv" || refdata.Staff.FileName() != "staff.csv" {
		t.Error("file names")
	}
}

func csvRows(t *testing.T, path string) int { return len(readCSV(t, path)) - 1 }

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeCSV(t *testing.T, path string, recs [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(recs)
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
}

// countingReader counts the bytes the importer takes from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestInvalidTextAndOversizedRows(t *testing.T) {
	const bulk = 3 << 20 // well past portal.MaxRecordBytes
	header := "personal_id,given_name,family_name\n"
	row := func(id, given string) string { return id + "," + given + ",Testsson\n" }
	p1, p2, p3 := pid("19121212", "121"), pid("19800101", "238"), pid("20010505", "000")
	filler := strings.Repeat("abcdefghij,klmnopqrs\n", bulk/21)
	tests := []struct {
		name   string
		in     string
		stored []string // given names
		errs   []int    // lines
		msg    string   // message id of the errors
	}{
		{"latin-1 between good rows", header + row(p1, "Anna") + row(p2, "J\xf6rgen") + row(p3, "Cecilia"),
			[]string{"Anna", "Cecilia"}, []int{3}, "import.error.encoding"},
		{"latin-1 in a quoted multi-line field", header + row(p1, "Anna") + row(p2, "\"J\xf6r\ngen\"") + row(p3, "Cecilia"),
			[]string{"Anna", "Cecilia"}, []int{3}, "import.error.encoding"},
		{"nul", header + row(p1, "Anna") + row(p2, "Bo\x00") + row(p3, "Cecilia"),
			[]string{"Anna", "Cecilia"}, []int{3}, "import.error.nul"},
		{"unterminated quote", header + row(p1, "Anna") + row(p2, "\"Bo") + filler,
			[]string{"Anna"}, []int{3}, "import.error.unclosed_quote"},
		{"unterminated quote in the first field", header + row(p1, "Anna") + row(p3, "Cecilia") + "\"" + filler,
			[]string{"Anna", "Cecilia"}, []int{4}, "import.error.unclosed_quote"},
		{"short unterminated quote", header + row(p1, "Anna") + row(p2, "\"Bo") + row(p3, "Cecilia"),
			[]string{"Anna"}, []int{3}, "import.error.unclosed_quote"},
		{"one line without an end", header + row(p1, "Anna") + strings.Repeat("x", bulk),
			[]string{"Anna"}, []int{3}, "import.error.row_too_large"},
		{"a long row between good rows", header + row(p1, "Anna") + row(p2, strings.Repeat("B", bulk)) + row(p3, "Cecilia"),
			[]string{"Anna", "Cecilia"}, []int{3}, "import.error.row_too_large"},
		{"a long quoted field over many lines", header + row(p1, "Anna") + row(p2, "\""+filler+"\"") + row(p3, "Cecilia"),
			[]string{"Anna", "Cecilia"}, []int{3}, "import.error.row_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, nil)
			in := &countingReader{r: strings.NewReader(tt.in)}
			res, err := (&refdata.Importer{Store: st, BatchSize: 1}).Import(ctx, refdata.Population, "population.csv", in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != len(tt.stored) || res.Failed != len(tt.errs) {
				t.Fatalf("rows %d, failed %d: %v", res.Rows, res.Failed, res.Errors)
			}
			for i, line := range tt.errs {
				e := res.Errors[i]
				id, _ := portal.ErrorMsgID(e.Err)
				if e.Line != line || id != tt.msg {
					t.Errorf("error %d: line %d %s, want line %d %s", i, e.Line, id, line, tt.msg)
				}
				if want := fmt.Sprintf("population.csv:%d: ", line); !strings.HasPrefix(e.Error(), want) {
					t.Errorf("error text %q lacks %q", e.Error(), want)
				}
				if strings.Contains(e.Error(), p2) {
					t.Errorf("error text quotes a personal id: %s", e.Error())
				}
			}
			var names []string
			if err := st.DB().SelectContext(ctx, &names, `SELECT given_name FROM patients ORDER BY given_name`); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names, tt.stored) {
				t.Errorf("stored %q, want %q", names, tt.stored)
			}
			if in.n != int64(len(tt.in)) {
				t.Errorf("read %d of %d bytes", in.n, len(tt.in))
			}
		})
	}
}

func TestHeaderNotUTF8(t *testing.T) {
	st := storetest.Open(t, nil)
	for name, in := range map[string]string{
		"utf-16":  "\xff\xfep\x00e\x00r\x00s\x00o\x00n\x00a\x00l\x00_\x00i\x00d\x00\n\x00",
		"latin-1": "personal_id,given_name,family_name,f\xf6delsedag\n",
	} {
		_, err := (&refdata.Importer{Store: st}).Import(context.Background(), refdata.Population, "population.csv", strings.NewReader(in))
		var pe *portal.Error
		if !errors.As(err, &pe) || pe.MsgID != "import.error.file_encoding" || pe.Data["File"] != "population.csv" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	_, err := (&refdata.Importer{Store: st}).Import(context.Background(), refdata.Population, "population.csv",
		strings.NewReader("\"personal_id"+strings.Repeat("x", 2<<20)))
	if id, _ := portal.ErrorMsgID(err); id != "import.error.header" {
		t.Errorf("oversized header: %v", err)
	}
}
