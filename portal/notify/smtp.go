package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/insyn/insyn/portal"
)

// StartTLS says when a smtp:// connection is upgraded to TLS.
type StartTLS string

const (
	// StartTLSOpportunistic upgrades when the server offers it (the default).
	StartTLSOpportunistic StartTLS = "opportunistic"
	// StartTLSRequired refuses to send unless the upgrade succeeds.
	StartTLSRequired StartTLS = "required"
	// StartTLSOff never upgrades.
	StartTLSOff StartTLS = "off"
)

// SMTPConfig is where and how mails are handed over, from INSYN_SMTP_URL.
type SMTPConfig struct {
	Addr        string // host:port
	Host        string // the server's name, for TLS and AUTH
	ImplicitTLS bool   // smtps://
	StartTLS    StartTLS
	User, Pass  string // AUTH PLAIN when User is set
	From        string // the sender address, ?from=; default by the caller
	// TLS is the client's TLS configuration (tests give their own roots);
	// nil verifies against the system's roots.
	TLS *tls.Config
	// Timeout bounds one whole delivery, dial to QUIT (default 60 s).
	Timeout time.Duration
}

// ParseSMTPURL reads smtp://[user:pass@]host[:port][?starttls=required|opportunistic|off][&from=addr]
// and smtps://[user:pass@]host[:port][?from=addr]. The default ports are
// 25 and 465.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, badURL("scheme", "INSYN_SMTP_URL is not a URL")
	}
	var c SMTPConfig
	port := "25"
	switch u.Scheme {
	case "smtp":
		c.StartTLS = StartTLSOpportunistic
	case "smtps":
		c.ImplicitTLS, c.StartTLS, port = true, StartTLSOff, "465"
	default:
		return SMTPConfig{}, badURL("scheme", "INSYN_SMTP_URL must start with smtp:// or smtps://")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, badURL("host", "INSYN_SMTP_URL names no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, badURL("port", "INSYN_SMTP_URL has a bad port")
		}
		port = p
	}
	c.Addr = net.JoinHostPort(c.Host, port)
	if u.User != nil {
		c.User = u.User.Username()
		c.Pass, _ = u.User.Password()
	}
	q := u.Query()
	if s := q.Get("starttls"); s != "" {
		if c.ImplicitTLS {
			return SMTPConfig{}, badURL("starttls", "smtps:// is TLS from the start; starttls does not apply")
		}
		switch StartTLS(s) {
		case StartTLSOpportunistic, StartTLSRequired, StartTLSOff:
			c.StartTLS = StartTLS(s)
		default:
			return SMTPConfig{}, badURL("starttls", "starttls must be required, opportunistic or off")
		}
	}
	if f := q.Get("from"); f != "" {
		a, err := ParseAddress(f)
		if err != nil || a == "" {
			return SMTPConfig{}, badURL("from", "from is not an address")
		}
		c.From = a
	}
	return c, nil
}

// badURL is a refusal of INSYN_SMTP_URL in the reader's words.
func badURL(what, detail string) error {
	return portal.Errorf(portal.Invalid, "notify.error.smtp_url."+what, "notify: %s", detail)
}

// SMTPError is the server's refusal, with its reply code.
type SMTPError struct {
	Code int
	Msg  string
}

func (e *SMTPError) Error() string { return fmt.Sprintf("smtp %d", e.Code) }

// Permanent tells whether the server refused for good (5xx).
func (e *SMTPError) Permanent() bool { return e.Code >= 500 }

// ErrAfterData marks a failure after the whole message was handed over,
// before the server's reply was read: the server may have accepted it.
var ErrAfterData = errors.New("notify: connection lost after the message was sent")

// Send hands one message to the server: dial (TLS for smtps://), EHLO,
// STARTTLS as configured, AUTH PLAIN when a user is set (only over TLS or
// to loopback), MAIL, RCPT, DATA. The whole exchange is bounded by
// Timeout and ctx.
func (c SMTPConfig) Send(ctx context.Context, from, to string, msg []byte) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("notify: dial: %w", err)
	}
	dl, _ := ctx.Deadline()
	conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	tlsConf := c.tlsConfig()
	if c.ImplicitTLS {
		conn = tls.Client(conn, tlsConf)
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return replyError("greeting", err)
	}
	defer cl.Close()
	if err := cl.Hello("localhost"); err != nil {
		return replyError("hello", err)
	}
	if !c.ImplicitTLS && c.StartTLS != StartTLSOff {
		ok, _ := cl.Extension("STARTTLS")
		switch {
		case ok:
			if err := cl.StartTLS(tlsConf); err != nil {
				return replyError("starttls", err)
			}
		case c.StartTLS == StartTLSRequired:
			return errors.New("notify: the server does not offer STARTTLS, which INSYN_SMTP_URL requires")
		}
	}
	if c.User != "" {
		// PlainAuth itself refuses to send the password in clear text
		// except to loopback.
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Pass, c.Host)); err != nil {
			// Not the notice's fault, whatever the code: retried, never
			// failed for good.
			return fmt.Errorf("notify: auth refused: %v", codeOf(err))
		}
	}
	if err := cl.Mail(from); err != nil {
		return replyError("mail", err)
	}
	if err := cl.Rcpt(to); err != nil {
		return replyError("rcpt", err)
	}
	w, err := cl.Data()
	if err != nil {
		return replyError("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return replyError("data", err)
	}
	if err := w.Close(); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			return replyError("data", err)
		}
		return fmt.Errorf("%w: %v", ErrAfterData, err)
	}
	// The message is accepted; a failing QUIT changes nothing.
	cl.Quit()
	return nil
}

func (c SMTPConfig) tlsConfig() *tls.Config {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLS != nil {
		t = c.TLS.Clone()
	}
	if t.ServerName == "" {
		t.ServerName = c.Host
	}
	return t
}

// replyError keeps the server's reply code (never its text, which may echo
// an address) for the attempt's record.
func replyError(step string, err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return fmt.Errorf("notify: %s: %w", step, &SMTPError{Code: tp.Code, Msg: tp.Msg})
	}
	return fmt.Errorf("notify: %s: %w", step, err)
}

func codeOf(err error) string {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return strconv.Itoa(tp.Code)
	}
	return err.Error()
}

// Redacted is the URL without its password, for logs.
func (c SMTPConfig) Redacted() string {
	s := "smtp://"
	if c.ImplicitTLS {
		s = "smtps://"
	}
	if c.User != "" {
		s += url.User(c.User).String() + ":***@"
	}
	return s + c.Addr + "?starttls=" + strings.ToLower(string(c.StartTLS))
}
