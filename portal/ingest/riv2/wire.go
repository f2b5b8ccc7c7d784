package riv2

import "encoding/xml"

// The structs mirror LogType and AccessLogType of
// informationsecurity_auditing_log_2.0.xsd. Tags carry local names only: the
// log element itself sits in the StoreLogResponder namespace in StoreLog and
// in the core namespace in GetLogsResponse, and some producers omit
// namespaces altogether.

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

// wirePatient and wireUnit record their element name so that presence can be
// told from absence without a pointer (and an allocation) per resource.
type wirePatient struct {
	XMLName xml.Name
	ID      wireII `xml:"patientId"`
	Name    string `xml:"patientName"`
}

type wireProvider struct {
	ID   string `xml:"careProviderId"`
	Name string `xml:"careProviderName"`
}

type wireUnit struct {
	XMLName xml.Name
	ID      string `xml:"careUnitId"`
	Name    string `xml:"careUnitName"`
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
