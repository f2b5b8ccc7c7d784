// Package templates holds the HTML templates and static files, embedded in
// the binary.
package templates

import "embed"

//go:embed *.html partials/*.html static/*
var FS embed.FS
