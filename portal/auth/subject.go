package auth

import (
	"strings"

	"github.com/insyn/insyn/portal"
)

// SubjectKind tells a patient's login from a staff member's.
type SubjectKind string

const (
	PatientSubject SubjectKind = "patient"
	StaffSubject   SubjectKind = "staff" // roles per provider come with the workplace issue
)

// Subject is who a session belongs to. It never prints a personal id (see
// portal.PersonalID).
type Subject struct {
	Kind       SubjectKind
	PersonalID portal.PersonalID // patients
	HSAID      portal.HSAID      // staff
}

// subjectFromClaims reads the identity out of a verified ID token's claims.
// A personal id wins; an HSA-id alone makes a staff subject. The claim's
// value is never quoted in the error.
func subjectFromClaims(claims map[string]any, cfg Config) (Subject, error) {
	for _, name := range cfg.PersonalIDClaims {
		v, ok := claims[name].(string)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		pid, err := portal.ParsePersonalID(v)
		if err != nil {
			return Subject{}, &portal.Error{Code: portal.Invalid, MsgID: "auth.error.identity", Detail: "id token claim " + name + " is no personal id", Err: err}
		}
		return Subject{Kind: PatientSubject, PersonalID: pid}, nil
	}
	if v, ok := claims[cfg.HSAIDClaim].(string); ok && v != "" {
		hsa, err := portal.ParseHSAID(v)
		if err != nil {
			return Subject{}, &portal.Error{Code: portal.Invalid, MsgID: "auth.error.identity", Detail: "id token claim " + cfg.HSAIDClaim + " is no HSA-id", Err: err}
		}
		return Subject{Kind: StaffSubject, HSAID: hsa}, nil
	}
	return Subject{}, &portal.Error{Code: portal.Invalid, MsgID: "auth.error.identity", Detail: "id token names no personal id or HSA-id"}
}
