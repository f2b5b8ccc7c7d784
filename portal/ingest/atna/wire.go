// Package atna reads DICOM / IHE ATNA audit messages (RFC 3881 and DICOM
// PS3.15 A.5) and turns them into portal events.
package atna

// The structs follow DICOM PS3.15 A.5.1 but are lenient: every element and
// attribute is optional, and both the DICOM (csd-code, originalText) and
// the older RFC 3881 (code, displayName) spellings of a coded value are
// read, because real messages mix them and break the schema (SOURCES.md).

type codedValue struct {
	CSDCode        string `xml:"csd-code,attr"`
	Code           string `xml:"code,attr"`
	CodeSystemName string `xml:"codeSystemName,attr"`
	DisplayName    string `xml:"displayName,attr"`
	OriginalText   string `xml:"originalText,attr"`
}

func (c codedValue) code() string {
	if c.CSDCode != "" {
		return c.CSDCode
	}
	return c.Code
}

func (c codedValue) text() string {
	if c.OriginalText != "" {
		return c.OriginalText
	}
	return c.DisplayName
}

type eventIdentification struct {
	EventActionCode       string       `xml:"EventActionCode,attr"`
	EventDateTime         string       `xml:"EventDateTime,attr"`
	EventOutcomeIndicator string       `xml:"EventOutcomeIndicator,attr"`
	EventID               codedValue   `xml:"EventID"`
	EventTypeCode         []codedValue `xml:"EventTypeCode"`
	// PurposeOfUse is not in dcm4che's XSD but IHE and real messages
	// (iti-18, iti-43) carry it here.
	PurposeOfUse []codedValue `xml:"PurposeOfUse"`
}

type activeParticipant struct {
	UserID                     string       `xml:"UserID,attr"`
	AlternativeUserID          string       `xml:"AlternativeUserID,attr"`
	UserName                   string       `xml:"UserName,attr"`
	UserIsRequestor            string       `xml:"UserIsRequestor,attr"`
	UserTypeCode               string       `xml:"UserTypeCode,attr"`
	NetworkAccessPointID       string       `xml:"NetworkAccessPointID,attr"`
	NetworkAccessPointTypeCode string       `xml:"NetworkAccessPointTypeCode,attr"`
	RoleIDCode                 []codedValue `xml:"RoleIDCode"`
}

type auditSource struct {
	AuditSourceID         string       `xml:"AuditSourceID,attr"`
	AuditEnterpriseSiteID string       `xml:"AuditEnterpriseSiteID,attr"`
	AuditSourceTypeCode   []codedValue `xml:"AuditSourceTypeCode"`
}

type participantObject struct {
	ParticipantObjectID            string       `xml:"ParticipantObjectID,attr"`
	ParticipantObjectTypeCode      string       `xml:"ParticipantObjectTypeCode,attr"`
	ParticipantObjectTypeCodeRole  string       `xml:"ParticipantObjectTypeCodeRole,attr"`
	ParticipantObjectDataLifeCycle string       `xml:"ParticipantObjectDataLifeCycle,attr"`
	ParticipantObjectIDTypeCode    codedValue   `xml:"ParticipantObjectIDTypeCode"`
	ParticipantObjectName          string       `xml:"ParticipantObjectName"`
	ParticipantObjectDetail        []objectItem `xml:"ParticipantObjectDetail"`
}

type objectItem struct {
	Type  string `xml:"type,attr"`
	Value string `xml:"value,attr"`
}

type auditMessage struct {
	EventIdentification eventIdentification `xml:"EventIdentification"`
	ActiveParticipant   []activeParticipant `xml:"ActiveParticipant"`
	AuditSource         []auditSource       `xml:"AuditSourceIdentification"`
	ParticipantObject   []participantObject `xml:"ParticipantObjectIdentification"`
}
