package riv1

import "encoding/xml"

// The structs mirror LogType of ehr_log_1.0.xsd. Unlike v2, element names
// are capitalised and personal ids are bare strings without an OID root.
// Tags carry local names only: producers disagree on namespace prefixes.

type wireLog struct {
	LogID     string         `xml:"LogId"`
	System    wireSystem     `xml:"System"`
	Activity  wireActivity   `xml:"Activity"`
	User      wireUser       `xml:"User"`
	Resources []wireResource `xml:"Resources>Resource"`
}

type wireSystem struct {
	ID   string `xml:"SystemId"`
	Name string `xml:"SystemName"`
}

type wireActivity struct {
	Type      string `xml:"ActivityType"`
	Level     string `xml:"ActivityLevel"`
	Args      string `xml:"ActivityArgs"`
	StartDate string `xml:"StartDate"`
	Purpose   string `xml:"Purpose"`
}

type wireUser struct {
	ID           string       `xml:"UserId"`
	Name         string       `xml:"Name"`
	PersonID     string       `xml:"PersonId"`
	Assignment   string       `xml:"Assignment"`
	Title        string       `xml:"Title"`
	CareProvider wireProvider `xml:"CareProvider"`
	CareUnit     wireUnit     `xml:"CareUnit"`
}

type wireResource struct {
	Type         string       `xml:"ResourceType"`
	Patient      wirePatient  `xml:"Patient"`
	CareProvider wireProvider `xml:"CareProvider"`
	CareUnit     wireUnit     `xml:"CareUnit"`
}

// wirePatient and wireUnit record their element name so that presence can be
// told from absence without a pointer (and an allocation) per resource.
type wirePatient struct {
	XMLName xml.Name
	ID      string `xml:"PatientId"`
	Name    string `xml:"PatientName"`
}

type wireProvider struct {
	ID   string `xml:"CareProviderId"`
	Name string `xml:"CareProviderName"`
}

type wireUnit struct {
	XMLName xml.Name
	ID      string `xml:"CareUnitId"`
	Name    string `xml:"CareUnitName"`
}
