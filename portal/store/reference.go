package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/insyn/insyn/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Reference data upserts. Each call sends one batch as parallel arrays that
// unnest into a single INSERT ... ON CONFLICT DO UPDATE, so re-importing a
// file updates rows instead of duplicating them. Within a batch the last
// row with a given key wins (PostgreSQL refuses to update one row twice in
// one statement).

const (
	qUpsertProviders = `
INSERT INTO providers (hsa_id, org_nr, name, updated_at)
SELECT t.hsa_id, t.org_nr, t.name, $4::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[]) AS t(hsa_id, org_nr, name)
ON CONFLICT (hsa_id) DO UPDATE SET
    org_nr = EXCLUDED.org_nr, name = EXCLUDED.name, updated_at = EXCLUDED.updated_at`

	qMissingProviders = `
SELECT t.i - 1
FROM unnest($1::text[]) WITH ORDINALITY AS t(hsa_id, i)
WHERE NOT EXISTS (SELECT 1 FROM providers p WHERE p.hsa_id = t.hsa_id)`

	qUpsertUnits = `
INSERT INTO units (hsa_id, provider_hsa_id, name, protected, updated_at)
SELECT t.hsa_id, t.provider_hsa_id, t.name, t.protected, $5::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS t(hsa_id, provider_hsa_id, name, protected)
ON CONFLICT (hsa_id) DO UPDATE SET
    provider_hsa_id = EXCLUDED.provider_hsa_id, name = EXCLUDED.name,
    protected = EXCLUDED.protected, updated_at = EXCLUDED.updated_at`

	qUpsertStaff = `
INSERT INTO staff (hsa_id, personal_id, given_name, family_name, title, protected_identity,
                   employed_from, employed_to, updated_at)
SELECT t.hsa_id, t.personal_id, t.given_name, t.family_name, t.title, t.protected_identity,
       NULLIF(t.employed_from, '')::date, NULLIF(t.employed_to, '')::date, $9::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::text[])
     AS t(hsa_id, personal_id, given_name, family_name, title, protected_identity, employed_from, employed_to)
ON CONFLICT (hsa_id) DO UPDATE SET
    personal_id = EXCLUDED.personal_id, given_name = EXCLUDED.given_name,
    family_name = EXCLUDED.family_name, title = EXCLUDED.title,
    protected_identity = EXCLUDED.protected_identity, employed_from = EXCLUDED.employed_from,
    employed_to = EXCLUDED.employed_to, updated_at = EXCLUDED.updated_at`

	qMissingStaffOrUnits = `
SELECT t.i - 1,
       EXISTS (SELECT 1 FROM staff s WHERE s.hsa_id = t.staff_hsa_id),
       EXISTS (SELECT 1 FROM units u WHERE u.hsa_id = t.unit_hsa_id)
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(staff_hsa_id, unit_hsa_id, i)
WHERE NOT EXISTS (SELECT 1 FROM staff s WHERE s.hsa_id = t.staff_hsa_id)
   OR NOT EXISTS (SELECT 1 FROM units u WHERE u.hsa_id = t.unit_hsa_id)`

	qUpsertAssignments = `
INSERT INTO assignments (staff_hsa_id, unit_hsa_id, name, valid_from, valid_to, updated_at)
SELECT t.staff_hsa_id, t.unit_hsa_id, t.name,
       COALESCE(NULLIF(t.valid_from, '')::date, '-infinity'),
       COALESCE(NULLIF(t.valid_to, '')::date, 'infinity'), $6::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     AS t(staff_hsa_id, unit_hsa_id, name, valid_from, valid_to)
ON CONFLICT (staff_hsa_id, unit_hsa_id, name, valid_from) DO UPDATE SET
    valid_to = EXCLUDED.valid_to, updated_at = EXCLUDED.updated_at`

	qUpsertPatients = `
INSERT INTO patients (personal_id, id_kind, given_name, family_name, street, postal_code, city,
                      protected_identity, deceased_on, vip, updated_at)
SELECT t.personal_id, t.id_kind, t.given_name, t.family_name, t.street, t.postal_code, t.city,
       t.protected_identity, NULLIF(t.deceased_on, '')::date, t.vip, $11::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::bool[], $9::text[], $10::bool[])
     AS t(personal_id, id_kind, given_name, family_name, street, postal_code, city,
          protected_identity, deceased_on, vip)
ON CONFLICT (personal_id) DO UPDATE SET
    id_kind = EXCLUDED.id_kind, given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name,
    street = EXCLUDED.street, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,
    protected_identity = EXCLUDED.protected_identity, deceased_on = EXCLUDED.deceased_on,
    vip = EXCLUDED.vip, updated_at = EXCLUDED.updated_at`

	qUpsertRelations = `
INSERT INTO relations (personal_id_a, personal_id_b, kind, updated_at)
SELECT t.a, t.b, t.kind, $4::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[]) AS t(a, b, kind)
ON CONFLICT (personal_id_a, personal_id_b, kind) DO UPDATE SET updated_at = EXCLUDED.updated_at`

	qUpsertCareRelations = `
INSERT INTO care_relations (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at, ends_at, updated_at)
SELECT t.personal_id, t.unit_hsa_id, t.staff_hsa_id, t.kind, t.starts_at,
       NULLIF(t.ends_at, '')::timestamptz, $7::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
     AS t(personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at, ends_at)
ON CONFLICT (personal_id, unit_hsa_id, staff_hsa_id, kind, starts_at) DO UPDATE SET
    ends_at = EXCLUDED.ends_at, updated_at = EXCLUDED.updated_at`

	qReferenceCounts = `
SELECT (SELECT count(*) FROM providers)      AS providers,
       (SELECT count(*) FROM units)          AS units,
       (SELECT count(*) FROM staff)          AS staff,
       (SELECT count(*) FROM assignments)    AS assignments,
       (SELECT count(*) FROM patients)       AS patients,
       (SELECT count(*) FROM relations)      AS relations,
       (SELECT count(*) FROM care_relations) AS care_relations`
)

// UnknownRef is a batch row that refers to a provider, unit or staff member the
// database does not hold; it was not stored.
type UnknownRef struct {
	Index  int    // position in the batch
	Column string // "provider_hsa_id", "staff_hsa_id" or "unit_hsa_id"
	HSAID  portal.HSAID
}

// ReferenceCounts is the number of rows of each reference table.
type ReferenceCounts struct {
	Providers     int64 `db:"providers"`
	Units         int64 `db:"units"`
	Staff         int64 `db:"staff"`
	Assignments   int64 `db:"assignments"`
	Patients      int64 `db:"patients"`
	Relations     int64 `db:"relations"`
	CareRelations int64 `db:"care_relations"`
}

// ReferenceCounts counts the rows of the reference tables.
func (s *Store) ReferenceCounts(ctx context.Context) (ReferenceCounts, error) {
	var c ReferenceCounts
	if err := s.db.GetContext(ctx, &c, qReferenceCounts); err != nil {
		return c, fmt.Errorf("store: count reference data: %w", err)
	}
	return c, nil
}

// UpsertProviders inserts or updates care providers.
func (s *Store) UpsertProviders(ctx context.Context, rows []portal.Provider) error {
	keep := refLastByKey(len(rows), func(i int) string { return string(rows[i].HSAID) })
	var hsa, org, name []string
	for _, i := range keep {
		r := &rows[i]
		hsa, org, name = append(hsa, string(r.HSAID)), append(org, r.OrgNr), append(name, r.Name)
	}
	return s.refTx(ctx, "upsert providers", func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, qUpsertProviders, pq.Array(hsa), pq.Array(org), pq.Array(name), s.clock.Now())
		return err
	})
}

// UpsertUnits inserts or updates care units. Units whose provider is not in
// the database are skipped and returned.
func (s *Store) UpsertUnits(ctx context.Context, rows []portal.Unit) ([]UnknownRef, error) {
	var unknown []UnknownRef
	err := s.refTx(ctx, "upsert units", func(tx *sqlx.Tx) error {
		prov := make([]string, len(rows))
		for i := range rows {
			prov[i] = string(rows[i].ProviderHSAID)
		}
		var missing []int
		if err := tx.SelectContext(ctx, &missing, qMissingProviders, pq.Array(prov)); err != nil {
			return err
		}
		skip := map[int]bool{}
		for _, i := range missing {
			skip[i] = true
			unknown = append(unknown, UnknownRef{Index: i, Column: "provider_hsa_id", HSAID: rows[i].ProviderHSAID})
		}
		keep := refLastByKey(len(rows), func(i int) string {
			if skip[i] {
				return ""
			}
			return string(rows[i].HSAID)
		})
		var hsa, provider, name []string
		var protected []bool
		for _, i := range keep {
			r := &rows[i]
			hsa, provider, name = append(hsa, string(r.HSAID)), append(provider, string(r.ProviderHSAID)), append(name, r.Name)
			protected = append(protected, r.Protected)
		}
		_, err := tx.ExecContext(ctx, qUpsertUnits, pq.Array(hsa), pq.Array(provider), pq.Array(name),
			pq.Array(protected), s.clock.Now())
		return err
	})
	return unknown, err
}

// UpsertStaff inserts or updates staff members.
func (s *Store) UpsertStaff(ctx context.Context, rows []portal.Staff) error {
	keep := refLastByKey(len(rows), func(i int) string { return string(rows[i].HSAID) })
	n := len(keep)
	hsa, pid, given, family, title := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	from, to, protected := make([]string, 0, n), make([]string, 0, n), make([]bool, 0, n)
	for _, i := range keep {
		r := &rows[i]
		hsa = append(hsa, string(r.HSAID))
		pid = append(pid, r.PersonalID.Digits())
		given, family, title = append(given, r.GivenName), append(family, r.FamilyName), append(title, r.Title)
		protected = append(protected, r.ProtectedIdentity)
		from, to = append(from, refDateText(r.EmployedFrom)), append(to, refDateText(r.EmployedTo))
	}
	return s.refTx(ctx, "upsert staff", func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, qUpsertStaff, pq.Array(hsa), pq.Array(pid), pq.Array(given), pq.Array(family),
			pq.Array(title), pq.Array(protected), pq.Array(from), pq.Array(to), s.clock.Now())
		return err
	})
}

// UpsertAssignments inserts or updates assignments. Rows naming a staff
// member or unit not in the database are skipped and returned.
func (s *Store) UpsertAssignments(ctx context.Context, rows []portal.Assignment) ([]UnknownRef, error) {
	var unknown []UnknownRef
	err := s.refTx(ctx, "upsert assignments", func(tx *sqlx.Tx) error {
		st, un := make([]string, len(rows)), make([]string, len(rows))
		for i := range rows {
			st[i], un[i] = string(rows[i].StaffHSAID), string(rows[i].UnitHSAID)
		}
		rs, err := tx.QueryContext(ctx, qMissingStaffOrUnits, pq.Array(st), pq.Array(un))
		if err != nil {
			return err
		}
		skip := map[int]bool{}
		for rs.Next() {
			var i int
			var staffOK, unitOK bool
			if err := rs.Scan(&i, &staffOK, &unitOK); err != nil {
				rs.Close()
				return err
			}
			skip[i] = true
			if !staffOK {
				unknown = append(unknown, UnknownRef{Index: i, Column: "staff_hsa_id", HSAID: rows[i].StaffHSAID})
			} else {
				unknown = append(unknown, UnknownRef{Index: i, Column: "unit_hsa_id", HSAID: rows[i].UnitHSAID})
			}
		}
		if err := rs.Err(); err != nil {
			return err
		}
		keep := refLastByKey(len(rows), func(i int) string {
			if skip[i] {
				return ""
			}
			r := &rows[i]
			return string(r.StaffHSAID) + "\x00" + string(r.UnitHSAID) + "\x00" + r.Name + "\x00" + refDateText(r.ValidFrom)
		})
		var staff, unit, name, from, to []string
		for _, i := range keep {
			r := &rows[i]
			staff, unit, name = append(staff, string(r.StaffHSAID)), append(unit, string(r.UnitHSAID)), append(name, r.Name)
			from, to = append(from, refDateText(r.ValidFrom)), append(to, refDateText(r.ValidTo))
		}
		_, err = tx.ExecContext(ctx, qUpsertAssignments, pq.Array(staff), pq.Array(unit), pq.Array(name),
			pq.Array(from), pq.Array(to), s.clock.Now())
		return err
	})
	return unknown, err
}

// UpsertPatients inserts or updates rows of the population register.
func (s *Store) UpsertPatients(ctx context.Context, rows []portal.Patient) error {
	keep := refLastByKey(len(rows), func(i int) string { return rows[i].PersonalID.Digits() })
	n := len(keep)
	pid, kind, given, family := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	street, postal, city, deceased := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	protected, vip := make([]bool, 0, n), make([]bool, 0, n)
	for _, i := range keep {
		r := &rows[i]
		pid, kind = append(pid, r.PersonalID.Digits()), append(kind, string(r.PersonalID.Kind()))
		given, family = append(given, r.GivenName), append(family, r.FamilyName)
		street, postal, city = append(street, r.Street), append(postal, r.PostalCode), append(city, r.City)
		protected, vip = append(protected, r.ProtectedIdentity), append(vip, r.VIP)
		deceased = append(deceased, refDateText(r.DeceasedOn))
	}
	return s.refTx(ctx, "upsert patients", func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, qUpsertPatients, pq.Array(pid), pq.Array(kind), pq.Array(given), pq.Array(family),
			pq.Array(street), pq.Array(postal), pq.Array(city), pq.Array(protected), pq.Array(deceased), pq.Array(vip),
			s.clock.Now())
		return err
	})
}

// UpsertRelations inserts relations between people; symmetric kinds are
// stored once whichever way round they are given.
func (s *Store) UpsertRelations(ctx context.Context, rows []portal.Relation) error {
	canon := make([]portal.Relation, len(rows))
	for i := range rows {
		canon[i] = rows[i].Canonical()
	}
	keep := refLastByKey(len(canon), func(i int) string {
		return canon[i].A.Digits() + "\x00" + canon[i].B.Digits() + "\x00" + string(canon[i].Kind)
	})
	var a, b, kind []string
	for _, i := range keep {
		a, b, kind = append(a, canon[i].A.Digits()), append(b, canon[i].B.Digits()), append(kind, string(canon[i].Kind))
	}
	return s.refTx(ctx, "upsert relations", func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, qUpsertRelations, pq.Array(a), pq.Array(b), pq.Array(kind), s.clock.Now())
		return err
	})
}

// UpsertCareRelations inserts or updates care relations; the key is patient,
// unit, staff member, kind and start.
func (s *Store) UpsertCareRelations(ctx context.Context, rows []portal.CareRelation) error {
	keep := refLastByKey(len(rows), func(i int) string {
		r := &rows[i]
		return r.PersonalID.Digits() + "\x00" + string(r.UnitHSAID) + "\x00" + string(r.StaffHSAID) + "\x00" +
			string(r.Kind) + "\x00" + strconv.FormatInt(r.StartsAt.UnixMicro(), 10)
	})
	n := len(keep)
	pid, unit, staff, kind := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	starts, ends := make([]string, 0, n), make([]string, 0, n)
	for _, i := range keep {
		r := &rows[i]
		pid, unit, staff, kind = append(pid, r.PersonalID.Digits()), append(unit, string(r.UnitHSAID)),
			append(staff, string(r.StaffHSAID)), append(kind, string(r.Kind))
		starts = append(starts, r.StartsAt.Format(time.RFC3339Nano))
		if r.EndsAt.IsZero() {
			ends = append(ends, "")
		} else {
			ends = append(ends, r.EndsAt.Format(time.RFC3339Nano))
		}
	}
	return s.refTx(ctx, "upsert care relations", func(tx *sqlx.Tx) error {
		now := s.clock.Now()
		// The review lock before the rows' locks: the coverage trigger
		// takes it too (migration 00025), and taken after them it could
		// meet another import holding it and waiting for those rows.
		if _, err := tx.ExecContext(ctx, qReviewLock); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qUpsertCareRelations, pq.Array(pid), pq.Array(unit), pq.Array(staff),
			pq.Array(kind), pq.Array(starts), pq.Array(ends), now); err != nil {
			return err
		}
		// Care data often arrives after the logs: every reader explains
		// an access from the care relations as they stand (care_coverage
		// follows by trigger), and the review's hits that stood only for
		// want of an explanation are re-evaluated in the same
		// transaction, so the review and the patient's extract never
		// disagree.
		_, err := reexplainCare(ctx, tx, pid, now)
		return err
	})
}

// refTx runs fn in a transaction, committing when it returns nil.
func (s *Store) refTx(ctx context.Context, op string, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

// refLastByKey returns, in order, the indexes of the last row for each key;
// an empty key drops the row.
func refLastByKey(n int, key func(i int) string) []int {
	last := make(map[string]int, n)
	for i := 0; i < n; i++ {
		if k := key(i); k != "" {
			last[k] = i
		}
	}
	keep := make([]int, 0, len(last))
	for i := 0; i < n; i++ {
		if k := key(i); k != "" && last[k] == i {
			keep = append(keep, i)
		}
	}
	return keep
}

// refDateText is a date as PostgreSQL reads it, "" for none.
func refDateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
