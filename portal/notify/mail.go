package notify

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/insyn/insyn/i18n"
)

// Notice is one outbox row as the worker sends it: what happened, counted,
// and where to; never who did it or what they read.
type Notice struct {
	ID         int64
	Key        string // idempotency key: the Message-ID's local part on every attempt
	UnsubToken string // the authority of the notice's unsubscribe link
	Kind       Kind
	Attempt    int    // this attempt's number, from 1
	To         string // the address (a confirmation's own, else the confirmed one)
	Lang       string
	// ForChild: the notice is about the record of a child the recipient is
	// guardian of; the mail says "your child", never who.
	ForChild bool
	// Payload: counts and a month for the digest, a count for the access
	// kinds, the token for a confirmation.
	Count        int    `json:"count"`
	Unexplained  int    `json:"unexplained"`
	Month        string `json:"month"` // "2026-03"
	ConfirmToken string `json:"token"`
}

// Paths of the token pages; the token is the last segment.
const (
	ConfirmPath     = "/avisering/bekrafta/"
	UnsubscribePath = "/avisering/avsluta/"
	SettingsPath    = "/installningar"
)

// Mail is a composed message.
type Mail struct {
	MessageID string // with angle brackets
	Subject   string
	Text      string
	Bytes     []byte // the whole RFC 5322 message, CRLF line ends
}

// Composer turns notices into mails.
type Composer struct {
	Texts   *i18n.Catalog
	BaseURL string // where people reach Insyn, without a trailing slash
	From    string // the sender's address
}

// MessageID is a notice's Message-ID: the same on every attempt, so a
// second copy after a crash between send and record is recognisable.
func (c Composer) MessageID(key string) string {
	return "<" + key + "@" + c.domain() + ">"
}

func (c Composer) domain() string {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Hostname() == "" {
		return "insyn.invalid"
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil {
		return "insyn.localhost" // a Message-ID's right side is a name
	}
	return u.Hostname()
}

// Compose writes the notice's mail in its language at the given time.
func (c Composer) Compose(n Notice, at time.Time) (Mail, error) {
	if !n.Kind.Valid() {
		return Mail{}, fmt.Errorf("notify: compose: unknown kind %q", n.Kind)
	}
	loc := c.Texts.For(n.Lang)
	base := strings.TrimRight(c.BaseURL, "/")
	unsub := base + UnsubscribePath + n.UnsubToken + "?lang=" + loc.Lang
	data := map[string]any{
		"Count": loc.Number(int64(n.Count)), "Unexplained": loc.Number(int64(n.Unexplained)),
		"Login": base + "/login?lang=" + loc.Lang, "Settings": base + SettingsPath + "?lang=" + loc.Lang,
		"Unsubscribe": unsub, "Month": monthName(loc, n.Month),
	}
	if n.Kind == KindConfirm {
		data["Confirm"] = base + ConfirmPath + n.ConfirmToken + "?lang=" + loc.Lang
	}
	key := "notify.mail." + string(n.Kind)
	if n.ForChild {
		if !n.Kind.ForChild() {
			return Mail{}, fmt.Errorf("notify: compose: kind %q is not for a child", n.Kind)
		}
		key += ".child"
	}
	m := Mail{MessageID: c.MessageID(n.Key), Subject: loc.T(key+".subject", data)}
	var body strings.Builder
	body.WriteString(loc.T("notify.mail.greeting"))
	body.WriteString("\n\n")
	if n.Kind == KindDigest || n.Kind == KindNewProvider || n.Kind == KindEmergency {
		body.WriteString(loc.N(key+".body", n.Count, data))
	} else {
		body.WriteString(loc.T(key+".body", data))
	}
	body.WriteString("\n\n")
	if n.ForChild {
		body.WriteString(loc.T("notify.mail.child.footer"))
		body.WriteString("\n\n")
	}
	if n.Kind == KindConfirm {
		body.WriteString(loc.T("notify.mail.confirm.footer", data))
	} else {
		body.WriteString(loc.T("notify.mail.footer", data))
	}
	body.WriteString("\n\n-- \n")
	body.WriteString(loc.T("notify.mail.signature"))
	body.WriteString("\n")
	m.Text = body.String()

	var b bytes.Buffer
	h := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	h("From", mime.QEncoding.Encode("utf-8", loc.T("notify.mail.from_name"))+" <"+c.From+">")
	h("To", "<"+n.To+">")
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", at.Format(time.RFC1123Z))
	h("Message-ID", m.MessageID)
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("Content-Language", loc.Lang)
	h("Auto-Submitted", "auto-generated")
	// RFC 8058: one click in the mail program posts
	// "List-Unsubscribe=One-Click" to the link; the token is the authority.
	h("List-Unsubscribe", "<"+unsub+">")
	h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\n", "\r\n"))); err != nil {
		return Mail{}, err
	}
	if err := qp.Close(); err != nil {
		return Mail{}, err
	}
	m.Bytes = b.Bytes()
	return m, nil
}

// monthName is "mars 2026" / "March 2026" for "2026-03".
func monthName(loc *i18n.Localizer, month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return ""
	}
	return loc.T(fmt.Sprintf("notify.month.%d", int(t.Month())), map[string]any{"Year": t.Year()})
}
