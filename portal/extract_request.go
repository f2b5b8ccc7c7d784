package portal

import (
	"strings"
	"time"
)

// RequestChannel is how a patient's extract request came in.
type RequestChannel string

const (
	ChannelLetter   RequestChannel = "letter"
	ChannelPhone    RequestChannel = "phone"
	ChannelDesk     RequestChannel = "desk"
	ChannelEService RequestChannel = "e_service"
)

// RequestChannels are the channels in the order a form offers them.
var RequestChannels = []RequestChannel{ChannelLetter, ChannelPhone, ChannelDesk, ChannelEService}

// Valid tells whether c is a known channel.
func (c RequestChannel) Valid() bool {
	for _, k := range RequestChannels {
		if c == k {
			return true
		}
	}
	return false
}

// RequestStatus is where an extract request stands: registered, produced
// (the PDF was made, perhaps more than once), delivered (sent or handed over).
type RequestStatus string

const (
	RequestRegistered RequestStatus = "registered"
	RequestProduced   RequestStatus = "produced"
	RequestDelivered  RequestStatus = "delivered"
)

// ExtractRequest is a patient's request for the log extract of one care
// provider's events, as a clerk of that provider registered it.
type ExtractRequest struct {
	ID         int64
	Key        string // opaque: the only identifier in URLs
	Provider   HSAID
	Patient    PersonalID
	From       time.Time // first day (Stockholm midnight); zero: everything logged
	To         time.Time // last day, included (Stockholm midnight)
	Channel    RequestChannel
	ReceivedAt time.Time
	Lang       string
	Status     RequestStatus

	RegisteredBy, ProducedBy, DeliveredBy string // Actor.ID()
	RegisteredAt, ProducedAt, DeliveredAt time.Time
}

// RequestDeadline is when the answer to a request received at is due:
// "within one month of receipt" (GDPR art. 12(3)), counted as EU periods
// are (Regulation 1182/71 art. 3): the same day of the next month, or that
// month's last day when it has no such day (31 January → 28 February). The
// deadline is the end of that day in Stockholm.
func RequestDeadline(received time.Time) time.Time {
	r := received.In(Stockholm)
	y, m := r.Year(), r.Month()+1
	if m > 12 {
		y, m = y+1, 1
	}
	d := r.Day()
	if last := time.Date(y, m+1, 0, 0, 0, 0, 0, Stockholm).Day(); d > last {
		d = last
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, Stockholm)
}

// Deadline is when the answer is due (RequestDeadline).
func (r ExtractRequest) Deadline() time.Time { return RequestDeadline(r.ReceivedAt) }

// Overdue tells whether the request is still unanswered past its deadline.
func (r ExtractRequest) Overdue(now time.Time) bool {
	return r.Status != RequestDelivered && !now.Before(r.Deadline())
}

// DaysLeft is how many whole days remain before the deadline (negative
// once it has passed), counted in Stockholm's calendar.
func (r ExtractRequest) DaysLeft(now time.Time) int {
	// Calendar days, counted in UTC so a daylight-saving change does not
	// make a day 23 hours long.
	civil := func(t time.Time) time.Time {
		t = t.In(Stockholm)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	last := civil(r.Deadline()).AddDate(0, 0, -1) // the last day the answer is on time
	return int(last.Sub(civil(now)).Hours() / 24)
}

// CanHandleRequests tells whether the actor handles extract requests for
// provider: a clerk of that provider.
func CanHandleRequests(a Actor, provider HSAID) bool {
	return a.Validate() == nil && provider != "" && a.Has(RoleClerk, provider)
}

// RequestProviders lists the care providers whose requests a member of
// staff handles (clerk), sorted; nil for anyone else.
func (a Actor) RequestProviders() []HSAID { return a.ProvidersFor(RoleClerk) }

// Produce records that the extract was made. A produced request may be
// produced again (a lost letter, another language); a delivered one is done.
func (r *ExtractRequest) Produce(by Actor, at time.Time) error {
	if !CanHandleRequests(by, r.Provider) {
		return Errorf(Forbidden, "controls.request.error.forbidden", "actor may not handle this request")
	}
	if r.Status == RequestDelivered {
		return Errorf(Conflict, "controls.request.error.delivered", "request already delivered")
	}
	r.Status, r.ProducedBy, r.ProducedAt = RequestProduced, by.ID(), at
	return nil
}

// Deliver records that the extract reached the patient; only a produced
// extract can be delivered.
func (r *ExtractRequest) Deliver(by Actor, at time.Time) error {
	if !CanHandleRequests(by, r.Provider) {
		return Errorf(Forbidden, "controls.request.error.forbidden", "actor may not handle this request")
	}
	switch r.Status {
	case RequestRegistered:
		return Errorf(Conflict, "controls.request.error.not_produced", "extract not produced yet")
	case RequestDelivered:
		return Errorf(Conflict, "controls.request.error.delivered", "request already delivered")
	}
	r.Status, r.DeliveredBy, r.DeliveredAt = RequestDelivered, by.ID(), at
	return nil
}

// RequestField is an invalid value of a request form, naming its field so
// a form shows the message beside it.
type RequestField struct {
	Field string
	Err   *Error
}

// ParseRequestChannel reads a channel as a form sends it.
func ParseRequestChannel(s string) (RequestChannel, error) {
	c := RequestChannel(strings.TrimSpace(s))
	if c == "" {
		return "", Errorf(Invalid, "controls.request.error.channel_missing", "channel is required")
	}
	if !c.Valid() {
		return "", Errorf(Invalid, "controls.request.error.channel", "unknown channel")
	}
	return c, nil
}

// ParseReceived reads the day a request was received (YYYY-MM-DD, in
// Stockholm) and refuses a day after today: a request cannot arrive in the
// future. The moment kept is that day's start, or now when it is today.
func ParseReceived(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Errorf(Invalid, "controls.request.error.received_missing", "received day is required")
	}
	d, err := time.ParseInLocation("2006-01-02", s, Stockholm)
	if err != nil && DayShaped(s) {
		return time.Time{}, Errorf(Invalid, "controls.request.error.received_impossible", "no such day")
	}
	if err != nil {
		return time.Time{}, Errorf(Invalid, "controls.request.error.received", "received day must be YYYY-MM-DD")
	}
	n := now.In(Stockholm)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, Stockholm)
	switch {
	case d.After(today):
		return time.Time{}, Errorf(Invalid, "controls.request.error.received_future", "received day is after today")
	case d.Equal(today):
		return now, nil
	}
	return d, nil
}
