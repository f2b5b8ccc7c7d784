// Package xmlstream walks a large XML document element by element and hands
// out each wanted element (a record) together with its original bytes, so
// that XML log formats can stream (memory bounded by one record, not the
// document) and still keep the raw record for provenance. One broken record
// costs that record only: Scanner.SkipRecord finds the next one.
package xmlstream
