package riv2

import "github.com/insyn/insyn/portal/ingest/xmlstream"

// The structs mirror LogType and AccessLogType of
// informationsecurity_auditing_log_2.0.xsd. Fields are matched by local name
// only: the log element itself sits in the StoreLogResponder namespace in
// StoreLog and in the core namespace in GetLogsResponse, and some producers
// omit namespaces altogether. The tags document the element paths; fill and
// fillAccessLog below are what reads them.

type wireLog struct {
	LogID     string         `xml:"logId"`
	System    wireSystem     `xml:"system"`
	Activity  wireActivity   `xml:"activity"`
	User      wireUser       `xml:"user"`
	Resources []wireResource `xml:"resources>resource"`
}

type wireSystem struct {
	ID   string `xml:"systemId"`
	Name string `xml:"systemName"`
}

type wireActivity struct {
	Type      string `xml:"activityType"`
	Level     string `xml:"activityLevel"`
	Args      string `xml:"activityArgs"`
	StartDate string `xml:"startDate"`
	Purpose   string `xml:"purpose"`
}

type wireUser struct {
	ID           string       `xml:"userId"`
	Name         string       `xml:"name"`
	PersonID     wireII       `xml:"personId"`
	Assignment   string       `xml:"assignment"`
	Title        string       `xml:"title"`
	CareProvider wireProvider `xml:"careProvider"`
	CareUnit     wireUnit     `xml:"careUnit"`
}

// wireII is IIType: an OID root and an extension.
type wireII struct {
	Root      string `xml:"root"`
	Extension string `xml:"extension"`
}

type wireResource struct {
	Type         string       `xml:"resourceType"`
	Patient      wirePatient  `xml:"patient"`
	CareProvider wireProvider `xml:"careProvider"`
	CareUnit     wireUnit     `xml:"careUnit"`
}

// wirePatient records its presence, which tells a resource about a patient
// from one about something else, without a pointer (and an allocation) per
// resource.
type wirePatient struct {
	Present bool   `xml:"-"`
	ID      wireII `xml:"patientId"`
	Name    string `xml:"patientName"`
}

type wireProvider struct {
	ID   string `xml:"careProviderId"`
	Name string `xml:"careProviderName"`
}

type wireUnit struct {
	ID   string `xml:"careUnitId"`
	Name string `xml:"careUnitName"`
}

// wireAccessLog is one entry of GetAccessLogsForPatientResponse: who (unit,
// user) accessed what kind of information and when, but neither the patient
// (implied by the request) nor a log id.
type wireAccessLog struct {
	CareProviderID   string `xml:"careProviderId"`
	CareProviderName string `xml:"careProviderName"`
	CareUnitID       string `xml:"careUnitId"`
	CareUnitName     string `xml:"careUnitName"`
	AccessDate       string `xml:"accessDate"`
	UserID           string `xml:"userId"`
	UserName         string `xml:"userName"`
	UserTitle        string `xml:"userTitle"`
	Purpose          string `xml:"purpose"`
	ResourceType     string `xml:"resourceType"`
}

// role is what an element of a log stands for, found from its parent's role
// and its own local name.
type role uint8

const (
	roleNone role = iota // not a field: skipped with all it contains
	roleLog
	roleSystem
	roleActivity
	roleUser
	rolePersonID
	roleUserProvider
	roleUserUnit
	roleResources
	roleResource
	rolePatient
	rolePatientID
	roleResourceProvider
	roleResourceUnit
)

// fill sets w from a log element with encoding/xml's Unmarshal rules, which
// it replaces: an element's value is the text directly inside it, a repeated
// element overwrites the fields it holds, unknown elements are skipped, and
// each resource inside any resources element is appended. roles is scratch
// space, returned for reuse.
func (w *wireLog) fill(e *xmlstream.Element, roles []role) []role {
	roles = append(roles[:0], roleLog)
	for i := 1; i < len(e.Nodes); i++ {
		n := &e.Nodes[i]
		r := roleNone
		switch roles[n.Parent] {
		case roleLog:
			switch string(n.Local) {
			case "logId":
				w.LogID = e.String(i)
			case "system":
				r = roleSystem
			case "activity":
				r = roleActivity
			case "user":
				r = roleUser
			case "resources":
				r = roleResources
			}
		case roleSystem:
			switch string(n.Local) {
			case "systemId":
				w.System.ID = e.String(i)
			case "systemName":
				w.System.Name = e.String(i)
			}
		case roleActivity:
			a := &w.Activity
			switch string(n.Local) {
			case "activityType":
				a.Type = e.String(i)
			case "activityLevel":
				a.Level = e.String(i)
			case "activityArgs":
				a.Args = e.String(i)
			case "startDate":
				a.StartDate = e.String(i)
			case "purpose":
				a.Purpose = e.String(i)
			}
		case roleUser:
			u := &w.User
			switch string(n.Local) {
			case "userId":
				u.ID = e.String(i)
			case "name":
				u.Name = e.String(i)
			case "personId":
				r = rolePersonID
			case "assignment":
				u.Assignment = e.String(i)
			case "title":
				u.Title = e.String(i)
			case "careProvider":
				r = roleUserProvider
			case "careUnit":
				r = roleUserUnit
			}
		case rolePersonID:
			fillII(&w.User.PersonID, e, i)
		case roleUserProvider:
			fillProvider(&w.User.CareProvider, e, i)
		case roleUserUnit:
			fillUnit(&w.User.CareUnit, e, i)
		case roleResources:
			if string(n.Local) == "resource" {
				w.Resources = append(w.Resources, wireResource{})
				r = roleResource
			}
		case roleResource:
			// Document order puts every child of a resource before
			// the next resource.
			res := &w.Resources[len(w.Resources)-1]
			switch string(n.Local) {
			case "resourceType":
				res.Type = e.String(i)
			case "patient":
				res.Patient.Present = true
				r = rolePatient
			case "careProvider":
				r = roleResourceProvider
			case "careUnit":
				r = roleResourceUnit
			}
		case rolePatient:
			p := &w.Resources[len(w.Resources)-1].Patient
			switch string(n.Local) {
			case "patientId":
				r = rolePatientID
			case "patientName":
				p.Name = e.String(i)
			}
		case rolePatientID:
			fillII(&w.Resources[len(w.Resources)-1].Patient.ID, e, i)
		case roleResourceProvider:
			fillProvider(&w.Resources[len(w.Resources)-1].CareProvider, e, i)
		case roleResourceUnit:
			fillUnit(&w.Resources[len(w.Resources)-1].CareUnit, e, i)
		}
		roles = append(roles, r)
	}
	return roles
}

func fillII(ii *wireII, e *xmlstream.Element, i int) {
	switch string(e.Nodes[i].Local) {
	case "root":
		ii.Root = e.String(i)
	case "extension":
		ii.Extension = e.String(i)
	}
}

func fillProvider(p *wireProvider, e *xmlstream.Element, i int) {
	switch string(e.Nodes[i].Local) {
	case "careProviderId":
		p.ID = e.String(i)
	case "careProviderName":
		p.Name = e.String(i)
	}
}

func fillUnit(u *wireUnit, e *xmlstream.Element, i int) {
	switch string(e.Nodes[i].Local) {
	case "careUnitId":
		u.ID = e.String(i)
	case "careUnitName":
		u.Name = e.String(i)
	}
}

// fill sets a from an accessLog element, whose fields are all its children.
func (a *wireAccessLog) fill(e *xmlstream.Element) {
	for i := 1; i < len(e.Nodes); i++ {
		if e.Nodes[i].Parent != 0 {
			continue
		}
		switch string(e.Nodes[i].Local) {
		case "careProviderId":
			a.CareProviderID = e.String(i)
		case "careProviderName":
			a.CareProviderName = e.String(i)
		case "careUnitId":
			a.CareUnitID = e.String(i)
		case "careUnitName":
			a.CareUnitName = e.String(i)
		case "accessDate":
			a.AccessDate = e.String(i)
		case "userId":
			a.UserID = e.String(i)
		case "userName":
			a.UserName = e.String(i)
		case "userTitle":
			a.UserTitle = e.String(i)
		case "purpose":
			a.Purpose = e.String(i)
		case "resourceType":
			a.ResourceType = e.String(i)
		}
	}
}
