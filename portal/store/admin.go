package store

import (
	"context"
	"fmt"
	"time"

	"github.com/insyn/insyn/portal"
)

const (
	// qRuleEffect is, per rule, how the provider's decided cases it raised
	// came out: an admin sees which rules earn their place. A case counts
	// once per rule however many of its hits the rule made; withdrawn hits
	// do not count.
	qRuleEffect = `
SELECT h.rule,
       count(DISTINCT c.id) AS decided,
       count(DISTINCT c.id) FILTER (WHERE c.outcome = 'unjustified') AS unjustified
FROM rule_hits h
JOIN cases c ON c.id = h.case_id
WHERE c.provider_hsa_id = $1 AND c.outcome IS NOT NULL AND h.withdrawn_at IS NULL
GROUP BY h.rule
ORDER BY h.rule`

	// qLogReadsFor are the reads of a provider's data, newest first,
	// narrowed by reader (HSA-id or part of the name) and patient.
	qLogReadsFor = `
SELECT read_at, reader_kind, reader_id, reader_name, channel, rows
FROM log_reads
WHERE provider_hsa_id = $1
  AND ($2 = '' OR reader_id = $2 OR reader_name ILIKE '%' || $2 || '%')
  AND ($3 = '' OR patient_id = $3)
ORDER BY read_at DESC, id DESC
LIMIT $4 OFFSET $5`

	// qQuarantineReasons counts the quarantined records by reason: they
	// belong to import batches, which are region-wide.
	qQuarantineReasons = `
SELECT reason, count(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason`
)

// RuleEffect is how one rule's decided cases came out.
type RuleEffect struct {
	Rule        string `db:"rule"`
	Decided     int64  `db:"decided"`
	Unjustified int64  `db:"unjustified"`
}

// RuleEffects is, per rule with a decided case at provider, the cases
// decided and those decided unjustified.
func (s *Store) RuleEffects(ctx context.Context, provider portal.HSAID) ([]RuleEffect, error) {
	var out []RuleEffect
	if err := s.db.SelectContext(ctx, &out, qRuleEffect, string(provider)); err != nil {
		return nil, fmt.Errorf("store: rule effects: %w", err)
	}
	return out, nil
}

// LogReadView is one recorded read of a patient's log, without the patient.
type LogReadView struct {
	At         time.Time `db:"read_at"`
	ReaderKind string    `db:"reader_kind"`
	ReaderID   string    `db:"reader_id"`
	ReaderName string    `db:"reader_name"`
	Channel    string    `db:"channel"`
	Rows       int64     `db:"rows"`
}

// LogReadFilter narrows LogReads; Patient is zero for every patient.
type LogReadFilter struct {
	Provider      portal.HSAID
	Reader        string
	Patient       portal.PersonalID
	Limit, Offset int
}

// LogReads are the reads of the provider's data through Insyn.
func (s *Store) LogReads(ctx context.Context, f LogReadFilter) ([]LogReadView, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var out []LogReadView
	if err := s.db.SelectContext(ctx, &out, qLogReadsFor, string(f.Provider), f.Reader, f.Patient.Digits(), f.Limit, f.Offset); err != nil {
		return nil, fmt.Errorf("store: log reads: %w", err)
	}
	return out, nil
}

// ReasonCount is how many quarantined records one reason holds.
type ReasonCount struct {
	Reason string `db:"reason"`
	N      int64  `db:"n"`
}

// QuarantineReasons counts quarantined records by reason, region-wide.
func (s *Store) QuarantineReasons(ctx context.Context) ([]ReasonCount, error) {
	var out []ReasonCount
	if err := s.db.SelectContext(ctx, &out, qQuarantineReasons); err != nil {
		return nil, fmt.Errorf("store: quarantine reasons: %w", err)
	}
	return out, nil
}
