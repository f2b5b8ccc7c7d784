// Package templates holds the HTML templates, embedded in the binary.
package templates

import "embed"

//go:embed *.html partials/*.html
var FS embed.FS
