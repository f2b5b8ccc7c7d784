package web

import "testing"

// TestRowHTMLEscapes checks the history row written without a template:
// every value from the log or the reference data is escaped as
// html/template would, and the marks appear only when they hold.
func TestRowHTMLEscapes(t *testing.T) {
	l := rowLabels{Unexplained: "Oförklarad", Emergency: "Nödåtkomst", Purpose: "Syfte", Basis: "Grund", Why: "Varför"}
	r := shownRow{URL: "/historik/abc?lang=en", Date: "måndag 1 mars", Time: "12:00", Who: "Åsa <b>Öberg</b>",
		Title: "Sjuksköterska & co", Unit: `U"nit`, Provider: "P'rov", What: "Läste", Purpose: "vård",
		Explanation: "Du hade ett besök", Basis: "vårdrelation", Unexplained: true, Emergency: true}
	want := `<li class="entry unexplained">
<h3><a href="/historik/abc?lang=en">måndag 1 mars, 12:00</a></h3>
<p class="mark">Oförklarad</p>
<p class="mark emergency">Nödåtkomst</p>
<p><strong>Åsa &lt;b&gt;Öberg&lt;/b&gt;</strong>, Sjuksköterska &amp; co</p>
<p>U&#34;nit, P&#39;rov</p>
<p>Läste</p>
<p>Syfte: vård. Grund: vårdrelation</p>
<p class="why">Varför: Du hade ett besök</p>
</li>
`
	if got := string(rowHTML(r, l)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	plain := shownRow{URL: "/historik/x", Date: "d", Time: "t", Who: "w", Unit: "u", What: "x", Purpose: "p", Basis: "b"}
	want = `<li class="entry">
<h3><a href="/historik/x">d, t</a></h3>
<p><strong>w</strong></p>
<p>u</p>
<p>x</p>
<p>Syfte: p. Grund: b</p>
</li>
`
	if got := string(rowHTML(plain, l)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
