// Package inbox is a small SMTP server (github.com/emersion/go-smtp) that
// keeps what it receives in memory: the demo's local inbox and the real
// server the tests send to. It listens on loopback only.
package inbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one received mail.
type Message struct {
	From, To   string
	Header     mail.Header
	Subject    string // decoded
	Text       string // the body, decoded from quoted-printable
	Raw        []byte
	ReceivedAt time.Time
	TLS        bool   // received over TLS
	AuthUser   string // the user that authenticated, if any
}

// MessageID is the message's Message-ID header.
func (m Message) MessageID() string { return m.Header.Get("Message-ID") }

// Options configure the server.
type Options struct {
	// Users, when set, must authenticate (AUTH PLAIN) before MAIL.
	Users map[string]string
	// TLS enables STARTTLS (and, with Implicit, TLS from the start).
	TLS      *tls.Config
	Implicit bool
	// BeforeAccept, when set, runs after the whole message was read and
	// before the server answers; an error refuses the message (a
	// *smtp.SMTPError keeps its code). Tests use it to stall, or to drop
	// the connection (conn) instead of answering.
	BeforeAccept func(raw []byte, conn net.Conn) error
}

// Server is a running inbox.
type Server struct {
	Addr string
	srv  *smtp.Server
	opt  Options

	mu       sync.Mutex
	msgs     []Message
	received int // every DATA accepted, duplicates included
	wait     chan struct{}
}

// Start listens on addr (a loopback address; "127.0.0.1:0" picks a port).
func Start(addr string, opt Options) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, errors.New("inbox: listens on loopback only")
	}
	s := &Server{opt: opt, wait: make(chan struct{})}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.ErrorLog = quietLog{}
	if opt.TLS != nil {
		s.srv.TLSConfig = opt.TLS
	}
	var ln net.Listener
	if opt.Implicit && opt.TLS != nil {
		ln, err = tls.Listen("tcp", addr, opt.TLS)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Messages are the messages received, one per Message-ID (a copy sent
// again with the same Message-ID is recognised and kept once, as a mail
// store that deduplicates would), oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Received counts every message the server accepted, copies included.
func (s *Server) Received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

// Wait blocks until at least n distinct messages arrived or ctx ends.
func (s *Server) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		msgs, w := append([]Message(nil), s.msgs...), s.wait
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			return msgs, ctx.Err()
		case <-w:
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received++
	id := m.MessageID()
	for _, o := range s.msgs {
		if id != "" && o.MessageID() == id {
			return
		}
	}
	s.msgs = append(s.msgs, m)
	close(s.wait)
	s.wait = make(chan struct{})
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, secure := c.TLSConnectionState()
	return &session{s: s, tls: secure, conn: c}, nil
}

type session struct {
	s        *Server
	conn     *smtp.Conn
	tls      bool
	user     string
	from, to string
}

func (x *session) AuthMechanisms() []string {
	if x.s.opt.Users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if want, ok := x.s.opt.Users[user]; !ok || want != pass || (identity != "" && identity != user) {
			return errors.New("inbox: bad credentials")
		}
		x.user = user
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opt.Users != nil && x.user == "" {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if x.s.opt.BeforeAccept != nil {
		if err := x.s.opt.BeforeAccept(raw, x.conn.Conn()); err != nil {
			return err
		}
	}
	_, secure := x.conn.TLSConnectionState()
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unreadable message"}
	}
	m.From, m.To, m.ReceivedAt, m.TLS, m.AuthUser = x.from, x.to, time.Now(), secure || x.tls, x.user
	x.s.add(m)
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", "" }
func (x *session) Logout() error { return nil }

func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return Message{}, err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	return Message{Header: msg.Header, Subject: subject, Text: strings.ReplaceAll(string(text), "\r\n", "\n"), Raw: raw}, nil
}

type quietLog struct{}

func (quietLog) Printf(string, ...interface{}) {}
func (quietLog) Println(...interface{})        {}
