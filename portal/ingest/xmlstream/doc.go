// Package xmlstream walks a large XML document element by element and hands
// out each wanted element (a record) together with its original bytes, so
// that XML log formats can stream (memory bounded by one record, not the
// document) and still keep the raw record for provenance. One broken record
// costs that record only: Scanner.SkipRecord finds the next one.
//
// The scanner bounds each record's size and nesting and transcodes any
// declared encoding to UTF-8; differential fuzzing holds it to
// encoding/xml. riv2 fills its wire structs from the scanner's element
// tree; riv1, atna and FHIR XML decode each record's bytes with
// encoding/xml (Decode).
package xmlstream
