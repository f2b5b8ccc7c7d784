// Package fhir reads FHIR AuditEvent resources (R4 and R5, JSON and XML,
// following IHE BALP) and turns them into portal events.
package fhir

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
)

// The JSON structs below are the one shape the adapter reads. They hold the
// union of the R4, R5 and STU3 element names, so that one pass over a
// resource of any of these versions fills what it has; the XML structs
// further down are converted into the same shape.

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

// concept holds either a Coding (R4 type, subtype, entity.role) or a
// CodeableConcept (R5 and every purpose field): both decode into it.
type concept struct {
	System  string   `json:"system"`
	Code    string   `json:"code"`
	Display string   `json:"display"`
	Coding  []coding `json:"coding"`
	Text    string   `json:"text"`
}

// codings flattens both shapes.
func (c concept) codings() []coding {
	out := make([]coding, 0, len(c.Coding)+1)
	if c.Code != "" || c.Display != "" {
		out = append(out, coding{System: c.System, Code: c.Code, Display: c.Display})
	}
	return append(out, c.Coding...)
}

type identifier struct {
	Type   *concept `json:"type"`
	System string   `json:"system"`
	Value  string   `json:"value"`
}

type reference struct {
	Reference  string      `json:"reference"`
	Type       string      `json:"type"`
	Identifier *identifier `json:"identifier"`
	Display    string      `json:"display"`
}

type extension struct {
	URL                  string      `json:"url"`
	ValueString          string      `json:"valueString"`
	ValueReference       *reference  `json:"valueReference"`
	ValueIdentifier      *identifier `json:"valueIdentifier"`
	ValueCoding          *coding     `json:"valueCoding"`
	ValueCodeableConcept *concept    `json:"valueCodeableConcept"`
	Extension            []extension `json:"extension"`
}

type agent struct {
	Extension     []extension `json:"extension"`
	Type          concept     `json:"type"`
	Role          []concept   `json:"role"`
	Who           *reference  `json:"who"`
	Reference     *reference  `json:"reference"` // STU3
	UserID        *identifier `json:"userId"`    // STU3
	AltID         string      `json:"altId"`
	Name          string      `json:"name"`
	Requestor     flexBool    `json:"requestor"`
	Location      *reference  `json:"location"`
	PurposeOfUse  []concept   `json:"purposeOfUse"`  // R4
	Authorization []concept   `json:"authorization"` // R5
}

type source struct {
	Site       site        `json:"site"`
	Observer   *reference  `json:"observer"`
	Identifier *identifier `json:"identifier"` // STU3
}

// site is a string in R4 and a Reference(Location) in R5.
type site struct {
	Text string
	Ref  reference
}

// A site of neither shape is left empty rather than failing the record.
func (s *site) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		_ = json.Unmarshal(b, &s.Text)
	} else {
		_ = json.Unmarshal(b, &s.Ref)
	}
	return nil
}

type entity struct {
	What        *reference  `json:"what"`
	Reference   *reference  `json:"reference"`  // STU3
	Identifier  *identifier `json:"identifier"` // STU3
	Type        concept     `json:"type"`
	Role        concept     `json:"role"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// contained is the part of a contained Patient, Practitioner, Organization
// or Location that a local reference ("#p1") can lead to.
type contained struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Identifier   []identifier `json:"identifier"`
	Name         names        `json:"name"`
}

// names is a string (Organization, Location) or a list of HumanName.
type names []string

func (n *names) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*n = names{s}
		}
	case len(b) > 0 && b[0] == '[':
		var hs []humanName
		_ = json.Unmarshal(b, &hs)
		for _, h := range hs {
			*n = append(*n, h.text())
		}
	case len(b) > 0 && b[0] == '{':
		var h humanName
		if json.Unmarshal(b, &h) == nil {
			*n = names{h.text()}
		}
	}
	return nil
}

type humanName struct {
	Text   string   `json:"text"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
}

func (h humanName) text() string {
	if h.Text != "" {
		return h.Text
	}
	return joinNonEmpty(append(append([]string(nil), h.Given...), h.Family)...)
}

// flexBool accepts true and "true": some exporters quote booleans.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(bytes.Trim(bytes.TrimSpace(b), `"`)) {
	case "true", "1":
		*f = true
	default:
		*f = false
	}
	return nil
}

type auditEvent struct {
	ResourceType     string      `json:"resourceType"`
	ID               string      `json:"id"`
	Contained        []contained `json:"contained"`
	Extension        []extension `json:"extension"`
	Type             concept     `json:"type"`
	Subtype          []concept   `json:"subtype"`
	Code             concept     `json:"code"` // R5
	Action           string      `json:"action"`
	Period           *period     `json:"period"`           // R4
	OccurredPeriod   *period     `json:"occurredPeriod"`   // R5
	OccurredDateTime string      `json:"occurredDateTime"` // R5
	Recorded         string      `json:"recorded"`
	PurposeOfEvent   []concept   `json:"purposeOfEvent"` // R4
	Authorization    []concept   `json:"authorization"`  // R5
	Patient          *reference  `json:"patient"`        // R5
	Agent            []agent     `json:"agent"`
	Source           source      `json:"source"`
	Entity           []entity    `json:"entity"`
}

// bundle is what an in-memory Bundle (one NDJSON line) is read as; large
// bundles are streamed by the parser instead.
type bundle struct {
	ResourceType string `json:"resourceType"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

// FHIR XML puts every primitive in a value attribute.

type xVal struct {
	V string `xml:"value,attr"`
}

type xCoding struct {
	System  xVal `xml:"system"`
	Code    xVal `xml:"code"`
	Display xVal `xml:"display"`
}

type xConcept struct {
	System  xVal      `xml:"system"`
	Code    xVal      `xml:"code"`
	Display xVal      `xml:"display"`
	Coding  []xCoding `xml:"coding"`
	Text    xVal      `xml:"text"`
}

type xIdentifier struct {
	Type   *xConcept `xml:"type"`
	System xVal      `xml:"system"`
	Value  xVal      `xml:"value"`
}

type xReference struct {
	Reference  xVal         `xml:"reference"`
	Type       xVal         `xml:"type"`
	Identifier *xIdentifier `xml:"identifier"`
	Display    xVal         `xml:"display"`
}

type xExtension struct {
	URL                  string       `xml:"url,attr"`
	ValueString          xVal         `xml:"valueString"`
	ValueReference       *xReference  `xml:"valueReference"`
	ValueIdentifier      *xIdentifier `xml:"valueIdentifier"`
	ValueCoding          *xCoding     `xml:"valueCoding"`
	ValueCodeableConcept *xConcept    `xml:"valueCodeableConcept"`
	Extension            []xExtension `xml:"extension"`
}

type xAgent struct {
	Extension     []xExtension `xml:"extension"`
	Type          xConcept     `xml:"type"`
	Role          []xConcept   `xml:"role"`
	Who           *xReference  `xml:"who"`
	Reference     *xReference  `xml:"reference"`
	UserID        *xIdentifier `xml:"userId"`
	AltID         xVal         `xml:"altId"`
	Name          xVal         `xml:"name"`
	Requestor     xVal         `xml:"requestor"`
	Location      *xReference  `xml:"location"`
	PurposeOfUse  []xConcept   `xml:"purposeOfUse"`
	Authorization []xConcept   `xml:"authorization"`
}

// xSite covers R4 <site value="..."/> and R5 <site><display .../></site>.
type xSite struct {
	V          string       `xml:"value,attr"`
	Reference  xVal         `xml:"reference"`
	Identifier *xIdentifier `xml:"identifier"`
	Display    xVal         `xml:"display"`
}

type xSource struct {
	Site       xSite        `xml:"site"`
	Observer   *xReference  `xml:"observer"`
	Identifier *xIdentifier `xml:"identifier"`
}

type xEntity struct {
	What        *xReference  `xml:"what"`
	Reference   *xReference  `xml:"reference"`
	Identifier  *xIdentifier `xml:"identifier"`
	Type        xConcept     `xml:"type"`
	Role        xConcept     `xml:"role"`
	Name        xVal         `xml:"name"`
	Description xVal         `xml:"description"`
}

type xPeriod struct {
	Start xVal `xml:"start"`
	End   xVal `xml:"end"`
}

// xName covers a plain name (Organization) and a HumanName.
type xName struct {
	V      string `xml:"value,attr"`
	Text   xVal   `xml:"text"`
	Family xVal   `xml:"family"`
	Given  []xVal `xml:"given"`
}

type xResource struct {
	XMLName    xml.Name
	ID         xVal          `xml:"id"`
	Identifier []xIdentifier `xml:"identifier"`
	Name       []xName       `xml:"name"`
}

type xContained struct {
	Resources []xResource `xml:",any"`
}

type xAuditEvent struct {
	XMLName          xml.Name
	ID               xVal         `xml:"id"`
	Contained        []xContained `xml:"contained"`
	Extension        []xExtension `xml:"extension"`
	Type             xConcept     `xml:"type"`
	Subtype          []xConcept   `xml:"subtype"`
	Code             xConcept     `xml:"code"`
	Action           xVal         `xml:"action"`
	Period           *xPeriod     `xml:"period"`
	OccurredPeriod   *xPeriod     `xml:"occurredPeriod"`
	OccurredDateTime xVal         `xml:"occurredDateTime"`
	Recorded         xVal         `xml:"recorded"`
	PurposeOfEvent   []xConcept   `xml:"purposeOfEvent"`
	Authorization    []xConcept   `xml:"authorization"`
	Patient          *xReference  `xml:"patient"`
	Agent            []xAgent     `xml:"agent"`
	Source           xSource      `xml:"source"`
	Entity           []xEntity    `xml:"entity"`
}

// toModel converts the XML shape into the shape the adapter reads.
func (x *xAuditEvent) toModel() *auditEvent {
	ae := &auditEvent{
		ResourceType:     x.XMLName.Local,
		ID:               x.ID.V,
		Extension:        xExtensions(x.Extension),
		Type:             x.Type.model(),
		Subtype:          xConcepts(x.Subtype),
		Code:             x.Code.model(),
		Action:           x.Action.V,
		Period:           x.Period.model(),
		OccurredPeriod:   x.OccurredPeriod.model(),
		OccurredDateTime: x.OccurredDateTime.V,
		Recorded:         x.Recorded.V,
		PurposeOfEvent:   xConcepts(x.PurposeOfEvent),
		Authorization:    xConcepts(x.Authorization),
		Patient:          x.Patient.model(),
		Source: source{
			Site: site{Text: x.Source.Site.V, Ref: reference{
				Reference:  x.Source.Site.Reference.V,
				Identifier: x.Source.Site.Identifier.model(),
				Display:    x.Source.Site.Display.V,
			}},
			Observer:   x.Source.Observer.model(),
			Identifier: x.Source.Identifier.model(),
		},
	}
	for _, c := range x.Contained {
		for _, r := range c.Resources {
			m := contained{ResourceType: r.XMLName.Local, ID: r.ID.V}
			for _, id := range r.Identifier {
				m.Identifier = append(m.Identifier, *id.model())
			}
			for _, n := range r.Name {
				if n.V != "" {
					m.Name = append(m.Name, n.V)
					continue
				}
				h := humanName{Text: n.Text.V, Family: n.Family.V}
				for _, g := range n.Given {
					h.Given = append(h.Given, g.V)
				}
				m.Name = append(m.Name, h.text())
			}
			ae.Contained = append(ae.Contained, m)
		}
	}
	for _, a := range x.Agent {
		ae.Agent = append(ae.Agent, agent{
			Extension:     xExtensions(a.Extension),
			Type:          a.Type.model(),
			Role:          xConcepts(a.Role),
			Who:           a.Who.model(),
			Reference:     a.Reference.model(),
			UserID:        a.UserID.model(),
			AltID:         a.AltID.V,
			Name:          a.Name.V,
			Requestor:     a.Requestor.V == "true",
			Location:      a.Location.model(),
			PurposeOfUse:  xConcepts(a.PurposeOfUse),
			Authorization: xConcepts(a.Authorization),
		})
	}
	for _, e := range x.Entity {
		ae.Entity = append(ae.Entity, entity{
			What:        e.What.model(),
			Reference:   e.Reference.model(),
			Identifier:  e.Identifier.model(),
			Type:        e.Type.model(),
			Role:        e.Role.model(),
			Name:        e.Name.V,
			Description: e.Description.V,
		})
	}
	return ae
}

func (c xCoding) model() coding {
	return coding{System: c.System.V, Code: c.Code.V, Display: c.Display.V}
}

func (c xConcept) model() concept {
	m := concept{System: c.System.V, Code: c.Code.V, Display: c.Display.V, Text: c.Text.V}
	for _, cd := range c.Coding {
		m.Coding = append(m.Coding, cd.model())
	}
	return m
}

func xConcepts(cs []xConcept) []concept {
	var out []concept
	for _, c := range cs {
		out = append(out, c.model())
	}
	return out
}

func (i *xIdentifier) model() *identifier {
	if i == nil {
		return nil
	}
	id := &identifier{System: i.System.V, Value: i.Value.V}
	if i.Type != nil {
		t := i.Type.model()
		id.Type = &t
	}
	return id
}

func (r *xReference) model() *reference {
	if r == nil {
		return nil
	}
	return &reference{Reference: r.Reference.V, Type: r.Type.V, Identifier: r.Identifier.model(), Display: r.Display.V}
}

func (p *xPeriod) model() *period {
	if p == nil {
		return nil
	}
	return &period{Start: p.Start.V, End: p.End.V}
}

func xExtensions(xs []xExtension) []extension {
	var out []extension
	for _, x := range xs {
		e := extension{
			URL:             x.URL,
			ValueString:     x.ValueString.V,
			ValueReference:  x.ValueReference.model(),
			ValueIdentifier: x.ValueIdentifier.model(),
			Extension:       xExtensions(x.Extension),
		}
		if x.ValueCoding != nil {
			c := x.ValueCoding.model()
			e.ValueCoding = &c
		}
		if x.ValueCodeableConcept != nil {
			c := x.ValueCodeableConcept.model()
			e.ValueCodeableConcept = &c
		}
		out = append(out, e)
	}
	return out
}
