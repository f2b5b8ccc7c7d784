package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/insyn/insyn/portal/ingest"
	"github.com/insyn/insyn/portal/ingest/xmlstream"
	"github.com/insyn/insyn/portal/store"
)

func init() {
	register("quarantine", "cli.cmd.quarantine", cmdQuarantine)
}

func cmdQuarantine(ctx context.Context, a *app, args []string) error {
	fs := a.flags("quarantine")
	asJSON := fs.Bool("json", false, a.help("quarantine.json"))
	limit := fs.Int("limit", 100, a.help("quarantine.limit"))
	if err := parse(fs, args); err != nil {
		return err
	}
	st, closeStore, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer closeStore()
	entries, err := st.ListQuarantine(ctx, *limit)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if *asJSON {
			b, _ := json.Marshal(e)
			fmt.Fprintln(a.stdout, jsonTermSafe(b))
			continue
		}
		fmt.Fprintln(a.stdout, a.quarantineLine(e))
	}
	if len(entries) == 0 {
		a.printf("quarantine.empty", nil)
	}
	return nil
}

// quarantineLine is one entry for the terminal. The file name comes from
// the input and is escaped; so is everything else, to be sure.
func (a *app) quarantineLine(e store.QuarantineEntry) string {
	size := a.texts.T("quarantine.size", map[string]any{"Length": e.RawLength})
	if e.RawTruncated {
		size = a.texts.T("quarantine.truncated", map[string]any{"Length": e.RawLength, "Kept": e.RawKept})
	}
	return fmt.Sprintf("%s:%d (%s, %s) %s: %s [%s]", termSafe(e.SourceFile), e.Line, termSafe(e.Format),
		a.texts.T("quarantine.record", map[string]any{"N": e.RecordNo}),
		a.texts.T("quarantine.reason."+e.Reason), termSafe(a.detailText(e.Detail)), size)
}

// knownDetails are the parsers' whole details and the parts they make
// them of (a field's problem, what an XML scanner found), in the English
// they are stored in, each with its words for the reader. The store keeps
// a detail as the parser wrote it, so that details already quarantined
// are worded the same way; TestEveryQuarantineDetailIsWorded checks the
// parsers' own output over their test data against this table.
var knownDetails = map[string]string{
	"template message: fields contain ? placeholders":                             "quarantine.detail.template_message",
	"template row: fields contain ? placeholders":                                 "quarantine.detail.template_row",
	"unknown log format: XML whose first element is in no known log namespace":    "quarantine.detail.xml_not_log",
	"unknown log format: neither JSON, XML nor a CSV header with Insyn's columns": "quarantine.detail.not_log",
	"unknown log format: XML without a recognised log element":                    "quarantine.detail.xml_no_log_element",
	"unknown log format: empty input":                                             "quarantine.detail.empty_input",
	ingest.NoRecordOfFormat:                                                       "quarantine.detail.no_record_of_format",
	xmlstream.TooLargeDetail:                                                      "quarantine.detail.too_large_kept",
	"resource is not an AuditEvent":                                               "quarantine.detail.not_audit_event",
	"AuditEvent cannot be decoded":                                                "quarantine.detail.audit_event_undecodable",
	"Bundle entry is not a list":                                                  "quarantine.detail.bundle_entry_not_list",
	"Bundle entry is not an object":                                               "quarantine.detail.bundle_entry_not_object",
	"Bundle entry is not well-formed JSON":                                        "quarantine.detail.bundle_entry_json",
	"Bundle nests Bundles deeper than the limit":                                  "quarantine.detail.bundle_too_deep",
	"Log element cannot be decoded":                                               "quarantine.detail.log_undecodable",
	"audit message cannot be decoded":                                             "quarantine.detail.audit_message_undecodable",
	"document holds no AuditEvent":                                                "quarantine.detail.no_audit_event",
	"document holds no AuditMessage":                                              "quarantine.detail.no_audit_message",
	"document is not well-formed JSON":                                            "quarantine.detail.document_json",
	"document is truncated JSON":                                                  "quarantine.detail.document_truncated_json",
	"line is not well-formed JSON":                                                "quarantine.detail.line_json",
	"record is not a FHIR resource":                                               "quarantine.detail.not_fhir",
	"record is not well-formed JSON":                                              "quarantine.detail.record_json",
	"record exceeds the size limit":                                               "quarantine.detail.too_large",
	"CSV record exceeds the size limit":                                           "quarantine.detail.csv_too_large",
	"CSV quoted field is never closed":                                            "quarantine.detail.csv_unclosed",
	"CSV syntax error":                                                            "quarantine.detail.csv_syntax",
	"text is not valid UTF-8":                                                     "quarantine.detail.not_utf8",
	"text contains a NUL character":                                               "quarantine.detail.nul",
	"text holds an unpaired surrogate escape":                                     "quarantine.detail.lone_surrogate",
	"time of access is before 1980":                                               "quarantine.detail.before_1980",
	// After "patient id: ", why the identifier is not one.
	"accessLog entries do not name the patient":  "quarantine.detail.no_patient_in_entries",
	"personal id must be 12 digits":              "quarantine.detail.id_format",
	"personal id has an impossible date":         "quarantine.detail.id_date",
	"personal id fails Luhn check":               "quarantine.detail.id_luhn",
	"reserve number is empty or too long":        "quarantine.detail.id_reserve",
	"identifier is an HSA-id, not a personal id": "quarantine.detail.id_hsa",
	// Before ": " and what the XML scanner found (xmlstream's messages).
	"not well-formed XML":                  "quarantine.detail.xml",
	"document is not well-formed XML":      "quarantine.detail.document_xml",
	"audit message is not well-formed XML": "quarantine.detail.audit_message_xml",
	"resource is not well-formed XML":      "quarantine.detail.resource_xml",
	"unexpected end of file":               "quarantine.xml.eof",
	"invalid element name":                 "quarantine.xml.name",
	"mismatched end tag":                   "quarantine.xml.end_tag",
	"malformed attribute":                  "quarantine.xml.attr",
	"invalid character":                    "quarantine.xml.char",
	"invalid character entity":             "quarantine.xml.entity",
	"malformed comment":                    "quarantine.xml.comment",
	"malformed CDATA section":              "quarantine.xml.cdata",
	"malformed processing instruction":     "quarantine.xml.proc_inst",
	"unescaped ]]> in text":                "quarantine.xml.cdata_end",
	"unsupported XML version":              "quarantine.xml.version",
	"unsupported encoding":                 "quarantine.xml.encoding",
	"markup too large":                     "quarantine.xml.too_large",
	"elements nested too deeply":           "quarantine.xml.depth",
}

var (
	detailLine   = regexp.MustCompile(`^(.+) \(line (\d+)\)$`)
	detailColumn = regexp.MustCompile(`^CSV column (.+)$`)
	detailRow    = regexp.MustCompile(`^row has (\d+) fields, header has (\d+)$`)
)

// detailText words a parser's detail in the reader's language: a whole
// detail or part of one from knownDetails, "HEAD: TAIL" part by part, a
// line ("… (line 63)"), a CSV column or row, or a list of fields ("user
// id, acting care unit"). A detail it cannot word is shown as stored.
func (a *app) detailText(detail string) string {
	if s, ok := a.detailWords(detail); ok {
		return s
	}
	return detail
}

func (a *app) detailWords(d string) (string, bool) {
	if id, ok := knownDetails[d]; ok {
		return a.texts.T(id), true
	}
	if m := detailColumn.FindStringSubmatch(d); m != nil {
		return a.texts.T("quarantine.detail.csv_column", map[string]any{"Column": m[1]}), true
	}
	if m := detailRow.FindStringSubmatch(d); m != nil {
		return a.texts.T("quarantine.detail.csv_row", map[string]any{"Fields": m[1], "Header": m[2]}), true
	}
	if m := detailLine.FindStringSubmatch(d); m != nil {
		if s, ok := a.detailWords(m[1]); ok {
			return a.texts.T("quarantine.detail.line", map[string]any{"Detail": s, "Line": m[2]}), true
		}
	}
	if head, tail, ok := strings.Cut(d, ": "); ok {
		h, ok1 := a.detailWords(head)
		t, ok2 := a.detailWords(tail)
		if ok1 && ok2 {
			return h + ": " + t, true
		}
	}
	parts := strings.Split(d, ", ")
	for i, p := range parts {
		id := "quarantine.field." + strings.ReplaceAll(p, " ", "_")
		if !a.texts.Has(id) {
			return "", false
		}
		parts[i] = a.texts.T(id)
	}
	return strings.Join(parts, ", "), true
}
