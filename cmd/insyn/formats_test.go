package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/insyn/insyn/portal/ingest/ingesttest"
	"github.com/insyn/insyn/portal/store/storetest"
	"github.com/jmoiron/sqlx"
)

// Every file in ../shared/formats goes through `insyn ingest` without a
// crash; log messages are stored or quarantined with a reason, other files
// (schemas, notes) are quarantined as an unknown format. Run twice, the
// second run stores nothing new.
func TestIngestPublicExamples(t *testing.T) {
	dsn := storetest.DSN(t)
	root := ingesttest.SharedFormats(t)
	var first, second map[string]int
	r := cli(t, dsn, nil, "ingest", root)
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &first) != nil {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = cli(t, dsn, nil, "ingest", root)
	json.Unmarshal([]byte(r.stdout), &second)
	if first["stored"] == 0 || second["stored"] != 0 || second["duplicates"] != first["stored"] || second["read"] != first["read"] {
		t.Fatalf("first %v, second %v", first, second)
	}
	if first["read"] != first["stored"]+first["duplicates"]+first["quarantined"] {
		t.Fatalf("records lost: %v", first)
	}

	db := sqlx.MustOpen("postgres", dsn)
	defer db.Close()
	type ev struct {
		Actor     string `db:"actor_hsa_id"`
		Unit      string `db:"actor_unit_hsa_id"`
		Patient   string `db:"patient_id"`
		Activity  string `db:"activity"`
		Purpose   string `db:"purpose"`
		Emergency bool   `db:"emergency"`
	}
	stored := map[string]ev{
		"auditevent-example-breakglass-start.xml": {"Practitioner/f001", "Location/1", "Patient/example", "emergency", "care", true},
		"iti-43-log.xml": {"2000000090108", "2.16.756.5.30.1.194", "761337615343338300", "write", "other", false},
		"iti-18-log.xml": {"761337610410035724", "1.3.6.1.4.1.21367.2017.2.6.19", "d5e42fed-5962-4bb9-b8b6-5d9e8afb0f2a", "other", "other", false},
	}
	for file, want := range stored {
		var got ev
		err := db.Get(&got, `SELECT e.actor_hsa_id, e.actor_unit_hsa_id, e.patient_id, e.activity, e.purpose, e.emergency
			FROM access_events e WHERE e.patient_id = $1`, want.Patient)
		if err != nil {
			t.Errorf("%s: not stored: %v", file, err)
			continue
		}
		if got != want {
			t.Errorf("%s: stored %+v, want %+v", file, got, want)
		}
	}

	quarantined := map[string]string{
		"riv-informationsecurity-auditing-log-v2/examples/StoreLogRequest.xml": "placeholder",
		"ihe-balp/AuditEvent-ex-auditBasicReadClient.json":                     "missing_field",
		"dicom-atna/examples-ehealthsuisse/iti-44-log.xml":                     "missing_field",
		"dicom-atna/schema/audit-message.xsd":                                  "unknown_format",
		"SOURCES.md":                                                           "unknown_format",
	}
	for rel, reason := range quarantined {
		var got []string
		db.Select(&got, `SELECT DISTINCT reason FROM quarantine WHERE source_file = $1`, filepath.Join(root, rel))
		if len(got) != 1 || got[0] != reason {
			t.Errorf("%s: quarantine reasons %v, want %s", rel, got, reason)
		}
	}
}
