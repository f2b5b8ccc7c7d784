package demoidp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"html/template"
	"net/http"
)

// loginPage is the provider's only page: no JavaScript, one text field
// named subject, and a list of sample citizens, each a one-button form.
var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo-legitimation – logga in</title></head>
<body>
<main>
<h1>Demo-legitimation</h1>
<p>Det här är en låtsas-e-legitimation för Insyns demo. Ange ett personnummer (en invånare) eller ett HSA-id (personal).</p>
<p lang="en">A stand-in identity provider for the Insyn demo: enter a personal identity number or an HSA-id.</p>
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<label for="subject">Personnummer eller HSA-id</label>
<input id="subject" name="subject" type="text" autocomplete="off" value="{{.Subject}}"{{if .Error}} aria-invalid="true" aria-describedby="subject-error"{{end}} required>
{{if .Error}}<p id="subject-error" role="alert">{{.Error}}</p>{{end}}
<button type="submit">Logga in</button>
</form>
{{if .Citizens}}<h2>Exempelinvånare i den syntetiska regionen</h2>
<ul>{{range .Citizens}}
<li><form method="post" action="/login"><input type="hidden" name="id" value="{{$.ID}}"><input type="hidden" name="subject" value="{{.PersonalID}}"><button type="submit">{{.Name}} ({{.PersonalID}})</button></form></li>{{end}}
</ul>{{end}}
{{if .Staff}}<h2>Exempelpersonal med roller i Insyn</h2>
<ul>{{range .Staff}}
<li><form method="post" action="/login"><input type="hidden" name="id" value="{{$.ID}}"><input type="hidden" name="subject" value="{{.HSAID}}"><button type="submit">{{.Name}}, {{.Role}} ({{.HSAID}})</button></form></li>{{end}}
</ul>{{end}}
</main>
</body>
</html>`))

var loggedOutPage = []byte(`<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Utloggad</title></head>
<body><main><h1>Du är utloggad från demo-legitimationen</h1></main></body></html>`)

type loginView struct {
	ID, Subject, Error string
	Citizens           []Citizen
	Staff              []StaffMember
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	if _, err := s.store.AuthRequestByID(r.Context(), id); err != nil {
		http.Error(w, "Inloggningen har gått ut. Börja om från Insyn.", http.StatusBadRequest)
		return
	}
	s.render(w, http.StatusOK, loginView{ID: id, Citizens: s.opts.Citizens, Staff: s.opts.Staff})
}

// submitLogin checks the subject's form and sends the browser back into the
// provider, which redirects to Insyn with a code.
func (s *Server) submitLogin(w http.ResponseWriter, r *http.Request, callback func(context.Context, string) string) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, subject := r.PostForm.Get("id"), r.PostForm.Get("subject")
	sub, u, err := s.identify(subject)
	if err != nil {
		s.render(w, http.StatusBadRequest, loginView{ID: id, Subject: subject, Citizens: s.opts.Citizens, Staff: s.opts.Staff,
			Error: "Ange ett giltigt personnummer (ÅÅÅÅMMDD-NNNN) eller HSA-id."})
		return
	}
	if err := s.store.complete(id, sub, u); err != nil {
		http.Error(w, "Inloggningen har gått ut. Börja om från Insyn.", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
}

func (s *Server) showLoggedOut(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(loggedOutPage)
}

func (s *Server) render(w http.ResponseWriter, status int, v loginView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	loginPage.Execute(w, v)
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
