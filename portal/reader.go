package portal

import "strings"

// ReaderKind is the role in which someone reads a patient's log through
// Insyn; it is stored in log_reads beside every read.
type ReaderKind string

const (
	ReaderPatient  ReaderKind = "patient"
	ReaderStaff    ReaderKind = "staff"
	ReaderReviewer ReaderKind = "reviewer"
	ReaderAdmin    ReaderKind = "admin"
	ReaderSystem   ReaderKind = "system"
)

// Reader is who reads a patient's log through Insyn (DESIGN.md section 6:
// every such read is itself recorded). ID identifies the reader within its
// kind (an HSA-id, a login name); Name is what a person sees, e.g. "produced
// by" in an extract.
type Reader struct {
	Kind ReaderKind
	ID   string
	Name string
}

// Validate checks that the read can be recorded.
func (r Reader) Validate() error {
	switch r.Kind {
	case ReaderPatient, ReaderStaff, ReaderReviewer, ReaderAdmin, ReaderSystem:
	default:
		return Errorf(Invalid, "extract.error.reader", "unknown reader kind")
	}
	if strings.TrimSpace(r.ID) == "" {
		return Errorf(Invalid, "extract.error.reader", "reader id is required")
	}
	return nil
}
