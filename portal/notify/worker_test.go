package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/notify"
	"github.com/insyn/insyn/portal/notify/inbox"
	"github.com/insyn/insyn/portal/store"
	"github.com/insyn/insyn/portal/store/storetest"
)

func TestMain(m *testing.M) {
	if os.Getenv("INSYN_NOTIFY_CHILD") != "" {
		os.Exit(childWorker())
	}
	os.Exit(storetest.Main(m))
}

const base = "http://127.0.0.1:8080"

var texts = i18n.MustLoad(portal.Stockholm)

// world is a store on a settable clock where Tolvan (English) and Sara
// (Swedish) confirmed their addresses for every kind.
type world struct {
	st     *store.Store
	clock  *portal.FixedClock
	tolvan portal.Actor
	sara   portal.Actor
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{clock: &portal.FixedClock{T: time.Now()}}
	w.st = storetest.Open(t, w.clock)
	t1, _ := portal.ParsePersonalID("191212121212")
	s1, _ := portal.ParsePersonalID("199001012385")
	w.tolvan, w.sara = portal.PatientActor(t1, ""), portal.PatientActor(s1, "")
	w.subscribe(t, w.tolvan, "tolvan@example.se", "en")
	w.subscribe(t, w.sara, "sara@example.se", "sv")
	// The confirmations are not what these tests look at.
	if _, err := w.st.DB().Exec(`UPDATE notify_notices SET status = 'sent' WHERE kind = 'confirm'`); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) subscribe(t *testing.T, a portal.Actor, addr, lang string) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.st.SaveNotifySettings(ctx, a, notify.Settings{Kinds: notify.Kinds, Lang: lang, Address: addr}); err != nil {
		t.Fatal(err)
	}
	var token string
	w.st.DB().Get(&token, `SELECT payload->>'token' FROM notify_notices WHERE kind = 'confirm' AND to_address = $1 ORDER BY id DESC LIMIT 1`, addr)
	if _, err := w.st.ConfirmAddress(ctx, token); err != nil {
		t.Fatal(err)
	}
}

// notice puts a notice in the outbox as a review run, a decision or the
// digest job would.
func (w *world) notice(t *testing.T, a portal.Actor, kind notify.Kind, dedupe, payload string) {
	t.Helper()
	if _, err := w.st.DB().Exec(`INSERT INTO notify_notices (patient_id, patient_id_kind, kind, dedupe, payload, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, a.Patient.Digits(), string(a.Patient.Kind()), string(kind), dedupe, payload, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

func (w *world) worker(id string, smtpURL string, tlsConf *tls.Config) *notify.Worker {
	cfg, err := notify.ParseSMTPURL(smtpURL)
	if err != nil {
		panic(err)
	}
	cfg.TLS = tlsConf
	cfg.Timeout = 10 * time.Second
	return &notify.Worker{Outbox: w.st, Sender: cfg, Clock: w.clock, ID: id, Lease: time.Minute,
		Composer: notify.Composer{Texts: texts, BaseURL: base, From: "insyn@example.se"}}
}

func (w *world) status(t *testing.T) map[string]int {
	t.Helper()
	rows, err := w.st.DB().Query(`SELECT status, count(*) FROM notify_notices WHERE kind <> 'confirm' GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		out[s] = n
	}
	return out
}

func (w *world) attempts(t *testing.T) []string {
	t.Helper()
	var out []string
	if err := w.st.DB().Select(&out, `SELECT a.outcome FROM notify_attempts a JOIN notify_notices n ON n.id = a.notice_id
		WHERE n.kind <> 'confirm' ORDER BY a.notice_id, a.n`); err != nil {
		t.Fatal(err)
	}
	return out
}

func startInbox(t *testing.T, opt inbox.Options) *inbox.Server {
	t.Helper()
	s, err := inbox.Start("127.0.0.1:0", opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// What a mail must never hold: the patients' personal ids in any
// spelling, and the names of the staff and units in the world's logs.
var forbidden = []string{"191212121212", "19121212-1212", "121212-1212", "199001012385", "900101-2385",
	"Anna Berg", "Ängsbacken", "Tolvan", "Sara Svensson"}

func TestWorkerSendsEachKindInThePatientsLanguage(t *testing.T) {
	w := newWorld(t)
	ib := startInbox(t, inbox.Options{})
	w.notice(t, w.tolvan, notify.KindEmergency, "run:1", `{"count": 1}`)
	w.notice(t, w.tolvan, notify.KindNewProvider, "run:1", `{"count": 2}`)
	w.notice(t, w.tolvan, notify.KindDigest, "2026-03", `{"count": 1234, "unexplained": 3, "month": "2026-03"}`)
	w.notice(t, w.tolvan, notify.KindFlagChange, "case:1:2", `{}`)
	w.notice(t, w.sara, notify.KindEmergency, "run:1", `{"count": 3}`)
	w.notice(t, w.sara, notify.KindDigest, "2026-03", `{"count": 1, "unexplained": 0, "month": "2026-03"}`)
	wk := w.worker("w1", "smtp://"+ib.Addr, nil)
	if n, err := wk.RunOnce(context.Background()); err != nil || n != 6 {
		t.Fatalf("sent %d: %v", n, err)
	}
	msgs := ib.Messages()
	if len(msgs) != 6 || ib.Received() != 6 {
		t.Fatalf("%d messages, %d received", len(msgs), ib.Received())
	}
	bySubject := map[string]inbox.Message{}
	for _, m := range msgs {
		bySubject[m.Subject] = m
		for _, f := range forbidden {
			if strings.Contains(string(m.Raw), f) || strings.Contains(m.Text, f) {
				t.Errorf("%q holds %q:\n%s", m.Subject, f, m.Raw)
			}
		}
		for _, h := range []string{"Message-ID", "Date", "From", "To", "List-Unsubscribe", "List-Unsubscribe-Post", "Content-Language", "Auto-Submitted"} {
			if m.Header.Get(h) == "" {
				t.Errorf("%q lacks %s", m.Subject, h)
			}
		}
		if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post %q", m.Header.Get("List-Unsubscribe-Post"))
		}
		unsub := regexp.MustCompile(`^<` + regexp.QuoteMeta(base) + `/avisering/avsluta/([0-9a-f]{64})\?lang=(sv|en)>$`).FindStringSubmatch(m.Header.Get("List-Unsubscribe"))
		if unsub == nil || !strings.Contains(m.Text, base+"/avisering/avsluta/"+unsub[1]) || unsub[2] != m.Header.Get("Content-Language") {
			t.Errorf("%q: unsubscribe link %q not in the header and the text", m.Subject, m.Header.Get("List-Unsubscribe"))
		}
		if !regexp.MustCompile(`^<[0-9a-f]{32}@insyn\.localhost>$`).MatchString(m.MessageID()) {
			t.Errorf("Message-ID %q", m.MessageID())
		}
		if !strings.Contains(m.Text, base+"/login?lang=") {
			t.Errorf("%q does not invite to log in", m.Subject)
		}
	}
	for subject, want := range map[string][]string{
		"Your record was opened by emergency access": {"tolvan@example.se", "en", "Someone in care opened your record by emergency access"},
		"A new care provider read your record":       {"tolvan@example.se", "en", "2 care providers that had never read your record"},
		"Accesses to your record in March 2026":      {"tolvan@example.se", "en", "In March 2026 there were 1,234 accesses", "could not link 3 of them"},
		"News about one of your reports":             {"tolvan@example.se", "en", "has a new status"},
		"Din journal har öppnats med nödåtkomst":     {"sara@example.se", "sv", "öppnats med nödåtkomst 3 gånger"},
		"Åtkomster till din journal i mars 2026":     {"sara@example.se", "sv", "I mars 2026 gjordes 1 åtkomst", "0 av dem"},
	} {
		m, ok := bySubject[subject]
		if !ok {
			t.Errorf("no mail %q among %v", subject, keys(bySubject))
			continue
		}
		if m.To != want[0] || m.Header.Get("Content-Language") != want[1] {
			t.Errorf("%q to %s in %s", subject, m.To, m.Header.Get("Content-Language"))
		}
		for _, s := range want[2:] {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%q lacks %q:\n%s", subject, s, m.Text)
			}
		}
	}
	if got := w.status(t); got["sent"] != 6 || len(got) != 1 {
		t.Errorf("statuses %v", got)
	}
	if n, _ := wk.RunOnce(context.Background()); n != 0 || ib.Received() != 6 {
		t.Errorf("a second run sent again (%d claimed)", n)
	}
	// The unsubscribe link stops that kind: the next such notice is
	// cancelled, not sent.
	m := bySubject["Your record was opened by emergency access"]
	token := regexp.MustCompile(`/avisering/avsluta/([0-9a-f]+)`).FindStringSubmatch(m.Header.Get("List-Unsubscribe"))[1]
	if k, _, err := w.st.Unsubscribe(context.Background(), token); err != nil || k != notify.KindEmergency {
		t.Fatalf("unsubscribe %q %v", k, err)
	}
	w.notice(t, w.tolvan, notify.KindEmergency, "run:2", `{"count": 1}`)
	w.notice(t, w.tolvan, notify.KindNewProvider, "run:2", `{"count": 1}`)
	wk.RunOnce(context.Background())
	if got := w.status(t); got["cancelled"] != 1 || got["sent"] != 7 {
		t.Errorf("after unsubscribing: %v", got)
	}
}

func keys(m map[string]inbox.Message) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestConfirmationMail(t *testing.T) {
	w := newWorld(t)
	ib := startInbox(t, inbox.Options{})
	if _, err := w.st.SaveNotifySettings(context.Background(), w.sara, notify.Settings{Kinds: []notify.Kind{notify.KindDigest},
		Lang: "sv", Address: "sara.ny@example.se"}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.worker("w1", "smtp://"+ib.Addr, nil).RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("%d %v", n, err)
	}
	m := ib.Messages()[0]
	if m.To != "sara.ny@example.se" || m.Subject != "Bekräfta din e-postadress för Insyn" {
		t.Fatalf("confirmation to %s: %q", m.To, m.Subject)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/avisering/bekrafta/([a-z2-7]+)\?lang=sv`).FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatalf("no confirmation link:\n%s", m.Text)
	}
	// The token leaves the outbox once its mail is sent.
	var left int
	w.st.DB().Get(&left, `SELECT count(*) FROM notify_notices WHERE payload ? 'token' AND to_address = 'sara.ny@example.se'`)
	if left != 0 {
		t.Errorf("%d sent confirmations keep their token", left)
	}
	if _, err := w.st.ConfirmAddress(context.Background(), link[1]); err != nil {
		t.Fatal(err)
	}
	if s, _ := w.st.NotifySettings(context.Background(), w.sara, "sv"); !s.Confirmed || s.Address != "sara.ny@example.se" {
		t.Errorf("settings %+v", s)
	}
}

// selfSigned is a certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	w := newWorld(t)
	cert, pool := selfSigned(t)
	users := map[string]string{"insyn": "s3cret"}
	withTLS := startInbox(t, inbox.Options{Users: users, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	implicit := startInbox(t, inbox.Options{Users: users, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, Implicit: true})
	plain := startInbox(t, inbox.Options{})
	client := &tls.Config{RootCAs: pool}
	ctx := context.Background()

	// STARTTLS required from a server that does not offer it: not sent,
	// retried later, the attempt recorded.
	w.notice(t, w.tolvan, notify.KindEmergency, "run:1", `{"count": 1}`)
	if _, err := w.worker("w1", "smtp://"+plain.Addr+"?starttls=required", client).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if plain.Received() != 0 || w.status(t)["pending"] != 1 {
		t.Fatalf("sent without the required TLS: %d, %v", plain.Received(), w.status(t))
	}
	// Wrong password: retried, never failed for good.
	w.clock.T = w.clock.T.Add(time.Hour)
	w.worker("w1", "smtp://insyn:wrong@"+withTLS.Addr+"?starttls=required", client).RunOnce(ctx)
	if withTLS.Received() != 0 || w.status(t)["pending"] != 1 {
		t.Fatalf("after a refused login: %v", w.status(t))
	}
	w.clock.T = w.clock.T.Add(time.Hour)
	if _, err := w.worker("w1", "smtp://insyn:s3cret@"+withTLS.Addr+"?starttls=required", client).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if m := withTLS.Messages(); len(m) != 1 || !m[0].TLS || m[0].AuthUser != "insyn" {
		t.Fatalf("over STARTTLS with AUTH: %+v", m)
	}
	w.notice(t, w.sara, notify.KindEmergency, "run:1", `{"count": 1}`)
	if _, err := w.worker("w1", "smtps://insyn:s3cret@"+implicit.Addr, client).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if m := implicit.Messages(); len(m) != 1 || !m[0].TLS || m[0].AuthUser != "insyn" {
		t.Fatalf("over smtps: %+v", m)
	}
	if got := w.attempts(t); strings.Join(got, ",") != "retry,retry,sent,sent" {
		t.Errorf("attempts %v", got)
	}
	// A certificate nobody vouches for is refused.
	w.notice(t, w.sara, notify.KindDigest, "2026-03", `{"count": 1, "month": "2026-03"}`)
	w.worker("w1", "smtps://insyn:s3cret@"+implicit.Addr, nil).RunOnce(ctx)
	if implicit.Received() != 1 {
		t.Error("sent to a server with an untrusted certificate")
	}
}

func TestParseSMTPURL(t *testing.T) {
	for raw, want := range map[string]string{
		"smtp://mail.example.se":                                   "mail.example.se:25 starttls=opportunistic tls=false user=",
		"smtp://u:p%40ss@mail.example.se:587?starttls=required":    "mail.example.se:587 starttls=required tls=false user=u:p@ss",
		"smtps://mail.example.se":                                  "mail.example.se:465 starttls=off tls=true user=",
		"smtp://127.0.0.1:2525?starttls=off&from=insyn@example.se": "127.0.0.1:2525 starttls=off tls=false user= from=insyn@example.se",
	} {
		c, err := notify.ParseSMTPURL(raw)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		got := fmt.Sprintf("%s starttls=%s tls=%v user=%s", c.Addr, c.StartTLS, c.ImplicitTLS, c.User)
		if c.User != "" {
			got += ":" + c.Pass
		}
		if c.From != "" {
			got += " from=" + c.From
		}
		if got != want {
			t.Errorf("%s: %s, want %s", raw, got, want)
		}
		if strings.Contains(c.Redacted(), "p@ss") {
			t.Errorf("redacted %s", c.Redacted())
		}
	}
	for _, raw := range []string{"http://x", "smtp://", "smtp://x:0", "smtp://x?starttls=maybe", "smtps://x?starttls=required", "smtp://x?from=nobody", "::"} {
		if _, err := notify.ParseSMTPURL(raw); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	prev := time.Duration(0)
	for a := 1; a <= 20; a++ {
		lo, hi := notify.Backoff(a, 0), notify.Backoff(a, 0.999999)
		if lo >= hi || hi > 9*time.Hour || lo < 15*time.Second || lo < prev {
			t.Errorf("attempt %d: [%v, %v)", a, lo, hi)
		}
		prev = lo
	}
	if notify.Backoff(1, 0.5) != 30*time.Second || notify.Backoff(3, 0.5) != 2*time.Minute || notify.Backoff(30, 0.5) != 6*time.Hour {
		t.Error("backoff is not 30 s doubling up to 6 h")
	}
}

// TestServerDropsAfterData: the server reads the whole message and drops
// the connection instead of answering. The worker cannot know whether it
// was accepted; it records the attempt and sends again after the backoff,
// with the same Message-ID. Here the server did not keep it: one mail.
func TestServerDropsAfterData(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	drops := 1
	ib := startInbox(t, inbox.Options{BeforeAccept: func(_ []byte, c net.Conn) error {
		mu.Lock()
		defer mu.Unlock()
		if drops > 0 {
			drops--
			c.Close()
			return errors.New("dropped")
		}
		return nil
	}})
	w.notice(t, w.tolvan, notify.KindEmergency, "run:1", `{"count": 1}`)
	wk := w.worker("w1", "smtp://"+ib.Addr, nil)
	if _, err := wk.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ib.Received() != 0 || w.status(t)["pending"] != 1 {
		t.Fatalf("after the drop: %d received, %v", ib.Received(), w.status(t))
	}
	if n, _ := wk.RunOnce(context.Background()); n != 0 {
		t.Error("retried before the backoff")
	}
	w.clock.T = w.clock.T.Add(time.Minute)
	wk.RunOnce(context.Background())
	if ib.Received() != 1 || len(ib.Messages()) != 1 || w.status(t)["sent"] != 1 {
		t.Errorf("after the retry: %d received, %v", ib.Received(), w.status(t))
	}
	if got := w.attempts(t); strings.Join(got, ",") != "retry,sent" {
		t.Errorf("attempts %v", got)
	}
}

// TestConcurrentWorkersSendEachOnce: two workers over one outbox (SKIP
// LOCKED and the lease): every notice reaches the server exactly once.
func TestConcurrentWorkersSendEachOnce(t *testing.T) {
	w := newWorld(t)
	ib := startInbox(t, inbox.Options{})
	for i := range 30 {
		a := w.tolvan
		if i%2 == 1 {
			a = w.sara
		}
		w.notice(t, a, notify.KindEmergency, fmt.Sprintf("run:%d", i), `{"count": 1}`)
	}
	var wg sync.WaitGroup
	for _, id := range []string{"w1", "w2", "w3"} {
		wk := w.worker(id, "smtp://"+ib.Addr, nil)
		wk.Batch = 4
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := wk.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if ib.Received() != 30 || len(ib.Messages()) != 30 || w.status(t)["sent"] != 30 {
		t.Errorf("%d received, %d distinct, %v", ib.Received(), len(ib.Messages()), w.status(t))
	}
}

// TestWorkerKilledBetweenSendAndRecord runs the worker in a child process
// and kills it (SIGKILL) while the server holds the complete message and
// has not answered yet; then the server keeps the message. The notice's
// attempt was never recorded: after the lease another worker marks it
// interrupted and sends the notice again with the same Message-ID. The
// inbox, like any store that deduplicates on Message-ID, holds it once;
// the server saw two copies, and the second is recognisable as a copy.
// Nothing is lost and nothing is doubled under its key.
func TestWorkerKilledBetweenSendAndRecord(t *testing.T) {
	w := newWorld(t)
	w.clock.T = time.Now()
	got := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	ib := startInbox(t, inbox.Options{BeforeAccept: func([]byte, net.Conn) error {
		first := false
		once.Do(func() { first = true })
		if first {
			close(got)
			<-release
		}
		return nil
	}})
	w.notice(t, w.tolvan, notify.KindEmergency, "run:1", `{"count": 1}`)
	w.notice(t, w.sara, notify.KindEmergency, "run:1", `{"count": 1}`)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "INSYN_NOTIFY_CHILD=1", "INSYN_CHILD_DSN="+storetest.DSNOf(w.st), "INSYN_CHILD_SMTP=smtp://"+ib.Addr)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child never sent")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	close(release)
	if _, err := ib.Wait(ctxTimeout(t), 1); err != nil {
		t.Fatal(err)
	}
	if got := w.status(t); got["pending"] != 2 {
		t.Fatalf("after the kill: %v", got)
	}
	// Before the lease ends nobody sends; after it, the rest is sent.
	wk := w.worker("w2", "smtp://"+ib.Addr, nil)
	if n, _ := wk.RunOnce(context.Background()); n != 0 {
		t.Fatalf("claimed %d under a live lease", n)
	}
	w.clock.T = time.Now().Add(childLease + time.Second)
	if _, err := wk.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := ib.Messages()
	if len(msgs) != 2 || ib.Received() != 3 || w.status(t)["sent"] != 2 {
		t.Fatalf("%d distinct, %d received, %v", len(msgs), ib.Received(), w.status(t))
	}
	var keys []string
	w.st.DB().Select(&keys, `SELECT key FROM notify_notices WHERE kind <> 'confirm' ORDER BY id`)
	for i, m := range msgs {
		if !strings.Contains(m.MessageID(), keys[0]) && !strings.Contains(m.MessageID(), keys[1]) {
			t.Errorf("message %d: %s is no notice's key", i, m.MessageID())
		}
	}
	var outcomes []string
	w.st.DB().Select(&outcomes, `SELECT a.outcome FROM notify_attempts a JOIN notify_notices n ON n.id = a.notice_id
		WHERE n.kind <> 'confirm' ORDER BY n.id, a.n`)
	if strings.Join(outcomes, ",") != "interrupted,sent,sent" && strings.Join(outcomes, ",") != "interrupted,sent,interrupted,sent" {
		t.Errorf("attempts %v", outcomes)
	}
}

const childLease = 20 * time.Second

// childWorker is the worker the test above kills.
func childWorker() int {
	ctx := context.Background()
	st, err := store.Open(ctx, os.Getenv("INSYN_CHILD_DSN"), portal.SystemClock{}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg, _ := notify.ParseSMTPURL(os.Getenv("INSYN_CHILD_SMTP"))
	wk := &notify.Worker{Outbox: st, Sender: cfg, Clock: portal.SystemClock{}, ID: "child", Lease: childLease, Batch: 10,
		Composer: notify.Composer{Texts: texts, BaseURL: base, From: "insyn@example.se"}}
	if _, err := wk.RunOnce(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
