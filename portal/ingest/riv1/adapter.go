package riv1

import (
	"strconv"
	"strings"

	"github.com/insyn/insyn/portal"
)

// hasPlaceholder reports whether any field is a "?" template placeholder, as
// in the SoapUI skeletons Inera publishes. Such a message was never filled in
// and none of its facts can be trusted.
func (w *wireLog) hasPlaceholder() bool {
	a, u := &w.Activity, &w.User
	if anyPlaceholder(w.LogID, w.System.ID, w.System.Name,
		a.Type, a.Level, a.Args, a.StartDate, a.Purpose,
		u.ID, u.Name, u.PersonID, u.Assignment, u.Title,
		u.CareProvider.ID, u.CareProvider.Name, u.CareUnit.ID, u.CareUnit.Name) {
		return true
	}
	for i := range w.Resources {
		r := &w.Resources[i]
		if anyPlaceholder(r.Type, r.Patient.ID, r.Patient.Name,
			r.CareProvider.ID, r.CareProvider.Name, r.CareUnit.ID, r.CareUnit.Name) {
			return true
		}
	}
	return false
}

func anyPlaceholder(ss ...string) bool {
	for _, s := range ss {
		if portal.IsPlaceholder(s) {
			return true
		}
	}
	return false
}

// problem is the first reason found while adapting; later ones are not
// reported, as one is enough to send the record to quarantine.
type problem struct {
	reason portal.Reason
	detail string
}

func (p *problem) set(reason portal.Reason, detail string) {
	if p.reason == "" {
		p.reason, p.detail = reason, detail
	}
}

// adaptLog fills in the facts a log holds for all of its resources.
func adaptLog(w *wireLog) (portal.Event, problem) {
	var ev portal.Event
	var p problem
	ev.SourceSystem = strings.TrimSpace(w.System.ID)
	ev.SourceLogID = strings.TrimSpace(w.LogID)

	a := &w.Activity
	if s := strings.TrimSpace(a.StartDate); s != "" {
		t, err := portal.ParseLogTime(s, &ev.LocalTime)
		ok := err == nil
		if !ok {
			p.set(portal.ReasonInvalidField, "time of access")
		}
		ev.OccurredAt = t
	}
	// A missing activity stays empty so that Validate reports it rather
	// than it becoming "other".
	if code := strings.TrimSpace(a.Type); code != "" {
		ev.Activity, ev.ActivityCode = activity(code), code
	}
	ev.ActivityArgs = strings.TrimSpace(a.Args)
	if code := strings.TrimSpace(a.Purpose); code != "" {
		ev.Purpose, ev.PurposeCode = purpose(code), code
	}
	// activityLevel has no field of its own; it only counts when it
	// declares emergency access, as some systems log it there.
	ev.EmergencyClaimed = portal.SaysEmergency(a.Purpose) || portal.SaysEmergency(a.Level)

	u := &w.User
	var ok bool
	if ev.ActorHSAID, ok = portal.ParseOptionalHSAID(u.ID); !ok {
		p.set(portal.ReasonInvalidField, "user id")
	}
	ev.ActorName = strings.TrimSpace(u.Name)
	if s := strings.TrimSpace(u.PersonID); s != "" {
		// A staff personal id is optional; a broken one is dropped, not
		// a reason to lose the access record. v1 has no OID root, so the
		// number must be a personnummer or samordningsnummer.
		if pid, err := portal.PersonalIDFromOID("", s); err == nil {
			ev.ActorPersonalID = pid
		}
	}
	ev.ActorAssignment = strings.TrimSpace(u.Assignment)
	ev.ActorTitle = strings.TrimSpace(u.Title)
	if ev.ActorProvider, ok = portal.ParseParty(u.CareProvider.ID, u.CareProvider.Name); !ok {
		p.set(portal.ReasonInvalidField, "acting care provider")
	}
	if ev.ActorUnit, ok = portal.ParseParty(u.CareUnit.ID, u.CareUnit.Name); !ok {
		p.set(portal.ReasonInvalidField, "acting care unit")
	}
	return ev, p
}

// adaptResource completes ev, built by adaptLog, with resource i of w.
func adaptResource(ev *portal.Event, w *wireLog, i int) problem {
	var p problem
	r := &w.Resources[i]
	if len(w.Resources) > 1 && ev.SourceLogID != "" {
		ev.SourceLogID += "#" + strconv.Itoa(i+1)
	}
	ev.ResourceType = strings.TrimSpace(r.Type)

	if s := strings.TrimSpace(r.Patient.ID); s != "" {
		// Without an OID root a reserve number cannot be told from a
		// mistyped personnummer, so it is refused rather than guessed.
		pid, err := portal.PersonalIDFromOID("", s)
		if err != nil {
			// The portal error names the problem, never the digits.
			p.set(portal.ReasonInvalidField, "patient id: "+err.Error())
		}
		ev.Patient = pid
	}
	ev.PatientName = strings.TrimSpace(r.Patient.Name)

	var ok bool
	if ev.OwnerProvider, ok = portal.ParseParty(r.CareProvider.ID, r.CareProvider.Name); !ok {
		p.set(portal.ReasonInvalidField, "owning care provider")
	}
	switch {
	case strings.TrimSpace(r.CareUnit.ID) != "" || strings.TrimSpace(r.CareUnit.Name) != "":
		if ev.Owner, ok = portal.ParseParty(r.CareUnit.ID, r.CareUnit.Name); !ok {
			p.set(portal.ReasonInvalidField, "owning care unit")
		}
	case ev.OwnerProvider.HSAID != "" && ev.OwnerProvider.HSAID == ev.ActorProvider.HSAID:
		// careUnit is optional on a resource. Within one provider the
		// records read are the acting unit's; across providers
		// (coherent record keeping) the owning unit is unknown.
		ev.Owner = ev.ActorUnit
	}
	return p
}

const placeholderDetail = "template message: fields contain ? placeholders"

func activity(code string) portal.Activity {
	a, _ := portal.ActivityFromSwedish(code)
	return a
}

func purpose(code string) portal.Purpose {
	p, _ := portal.PurposeFromSwedish(code)
	return p
}
