package web

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/extract"
	"github.com/insyn/insyn/i18n"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/review"
	"github.com/insyn/insyn/portal/store"
)

// Administration (issue 12 item 8): a care provider's admin grants and
// revokes roles, sets the review rules and sees how they earn their place,
// and reads the data-quality list and who read which patient's log. Each
// page is scoped to one provider the reader administers, named by
// ?provider= (an HSA-id, no personal data); another provider is not found.
func init() {
	pageNames = append(pageNames, "admin_roles", "admin_rules", "admin_quality", "admin_reads")
}

func (s *Server) adminRoutes() {
	admin := []fiber.Handler{s.requireStaff, s.requireRole(portal.RoleAdmin)}
	s.app.Get("/admin/roller", append(admin, s.handleAdminRoles)...)
	s.app.Post("/admin/roller", append(admin, s.handleAdminGrant)...)
	s.app.Post("/admin/roller/aterkalla", append(admin, s.handleAdminRevoke)...)
	s.app.Get("/admin/regler", append(admin, s.handleAdminRules)...)
	s.app.Post("/admin/regler", append(admin, s.handleAdminRuleSet)...)
	s.app.Get("/admin/kvalitet", append(admin, s.handleAdminQuality)...)
	s.app.Get("/admin/lasningar", append(admin, s.handleAdminReads)...)
	s.app.Post("/admin/lasningar", append(admin, s.handleAdminReads)...)
}

// adminProvider is the provider the page is about: the one asked for if
// the reader administers it (else not found), their first otherwise.
func adminProvider(c *fiber.Ctx, a portal.Actor) (portal.HSAID, []portal.HSAID, error) {
	ps := a.ProvidersFor(portal.RoleAdmin)
	asked := clip(c.Query("provider"))
	if asked == "" && len(ps) > 0 {
		return ps[0], ps, nil
	}
	if slices.Contains(ps, portal.HSAID(asked)) {
		return portal.HSAID(asked), ps, nil
	}
	return "", nil, &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "not admin of provider", Err: portal.ErrNotFound}
}

// adminBase is what every admin page shows: the provider and the others
// the reader may switch to.
type adminBase struct {
	Provider     string
	ProviderName string
	Providers    []option
}

func (s *Server) adminBase(c *fiber.Ctx) (portal.Actor, adminBase, error) {
	a, err := staff(c)
	if err != nil {
		return a, adminBase{}, err
	}
	p, ps, err := adminProvider(c, a)
	if err != nil {
		return a, adminBase{}, err
	}
	names, err := s.cfg.Store.ReferenceNames(c.UserContext(), ps)
	if err != nil {
		return a, adminBase{}, err
	}
	b := adminBase{Provider: string(p), ProviderName: nameOr(names, p)}
	for _, x := range ps {
		b.Providers = append(b.Providers, option{Key: string(x), Label: nameOr(names, x)})
	}
	return a, b, nil
}

// adminQuery is the query string that keeps provider and language.
func adminQuery(c *fiber.Ctx, provider string) string {
	return "?provider=" + provider + langQueryAmp(lang(c))
}

func langQueryAmp(l string) string {
	if l == "en" {
		return "&lang=en"
	}
	return ""
}

type adminRolesPage struct {
	adminBase
	Roles                   []adminRoleLine
	Staff, Role, Unit, Done string
	RoleOptions             []option
	UnitOptions             []option // the provider's units by name, for a head of unit
	Errs                    fieldErrs
}

type adminRoleLine struct {
	Staff, StaffName, Role, RoleName, Unit, UnitName string
}

func (s *Server) handleAdminRoles(c *fiber.Ctx) error {
	return s.showAdminRoles(c, fiber.StatusOK, adminRolesPage{})
}

func (s *Server) showAdminRoles(c *fiber.Ctx, status int, d adminRolesPage) error {
	a, b, err := s.adminBase(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	d.adminBase = b
	if d.Errs == nil {
		d.Errs = fieldErrs{}
	}
	if status == fiber.StatusOK {
		d.Done = doneWords(loc, c.Query("done"))
	}
	roles, err := s.cfg.Store.ListRoles(c.UserContext(), a, portal.HSAID(b.Provider))
	if err != nil {
		return err
	}
	for _, r := range roles {
		d.Roles = append(d.Roles, adminRoleLine{Staff: string(r.Staff), StaffName: r.StaffName, Role: string(r.Role),
			RoleName: loc.T("role.name." + string(r.Role)), Unit: string(r.Unit), UnitName: r.UnitName})
	}
	for _, r := range []portal.Role{portal.RoleReviewer, portal.RoleClerk, portal.RoleHeadOfUnit, portal.RoleAdmin} {
		d.RoleOptions = append(d.RoleOptions, option{Key: string(r), Label: loc.T("role.name." + string(r))})
	}
	units, err := s.cfg.Store.AdminUnits(c.UserContext(), a, portal.HSAID(b.Provider))
	if err != nil {
		return err
	}
	for _, u := range units {
		label := u.Name
		if label == "" {
			label = string(u.HSAID)
		}
		d.UnitOptions = append(d.UnitOptions, option{Key: string(u.HSAID), Label: label})
	}
	return s.render(c, status, "admin_roles", "admin.roles.title", d)
}

func doneWords(loc *i18n.Localizer, done string) string {
	switch done {
	case "granted", "revoked", "rule":
		return loc.T("admin.done." + done)
	}
	return ""
}

// roleForm reads a grant or revoke; field errors are keyed by field.
func roleForm(c *fiber.Ctx, loc *i18n.Localizer, provider string) (store.RoleGrant, adminRolesPage, bool) {
	d := adminRolesPage{Staff: clip(c.FormValue("staff")), Role: clip(c.FormValue("role")), Unit: clip(c.FormValue("unit")), Errs: fieldErrs{}}
	g := store.RoleGrant{Grant: portal.Grant{Provider: portal.HSAID(provider)}}
	if id, err := portal.ParseHSAID(d.Staff); err != nil {
		d.Errs["staff"] = msgOf(loc, err)
	} else {
		g.Staff = id
	}
	if r, err := portal.ParseRole(d.Role); err != nil {
		d.Errs["role"] = roleMsg(loc, err)
	} else {
		g.Role = r
	}
	if d.Unit != "" {
		if id, err := portal.ParseHSAID(d.Unit); err != nil {
			d.Errs["unit"] = msgOf(loc, err)
		} else {
			g.Unit = id
		}
	}
	return g, d, len(d.Errs) == 0
}

// roleMsgs are the page's own words for the refusals that `insyn roles`
// words for its flags ("--unit HSA-ID", "import the staff first"): here the
// role and the unit are chosen in lists.
var roleMsgs = map[string]string{
	"role.error.role":          "admin.roles.error.role",
	"role.error.unit_missing":  "admin.roles.error.unit_missing",
	"role.error.unknown_unit":  "admin.roles.error.unknown_unit",
	"role.error.unknown_staff": "admin.roles.error.unknown_staff",
}

// roleMsg is a refused grant or revoke in the page's words.
func roleMsg(loc *i18n.Localizer, err error) string {
	if id, _ := portal.ErrorMsgID(err); roleMsgs[id] != "" {
		return loc.T(roleMsgs[id])
	}
	return msgOf(loc, err)
}

// roleErrField is the field a refused grant is shown beside.
func roleErrField(err error) string {
	id, _ := portal.ErrorMsgID(err)
	switch {
	case strings.Contains(id, "unknown_staff"):
		return "staff"
	case strings.Contains(id, "unit"):
		return "unit"
	case strings.Contains(id, "role"):
		return "role"
	}
	return "form"
}

func (s *Server) handleAdminGrant(c *fiber.Ctx) error { return s.changeRole(c, "granted") }

func (s *Server) handleAdminRevoke(c *fiber.Ctx) error { return s.changeRole(c, "revoked") }

func (s *Server) changeRole(c *fiber.Ctx, done string) error {
	a, b, err := s.adminBase(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	g, d, ok := roleForm(c, loc, b.Provider)
	if !ok {
		return s.showAdminRoles(c, fiber.StatusBadRequest, d)
	}
	if done == "granted" {
		err = s.cfg.Store.GrantRole(c.UserContext(), a, g)
	} else {
		err = s.cfg.Store.RevokeRole(c.UserContext(), a, g)
	}
	if err != nil {
		switch portal.ErrorCode(err) {
		case portal.Invalid, portal.Forbidden, portal.NotFound:
			d.Errs[roleErrField(err)] = roleMsg(loc, err)
			return s.showAdminRoles(c, fiber.StatusBadRequest, d)
		}
		return err
	}
	return c.Redirect("/admin/roller"+adminQuery(c, b.Provider)+"&done="+done, fiber.StatusSeeOther)
}

type adminRulesPage struct {
	adminBase
	Rules      []adminRuleLine
	Severities []option
	Done       string
	Errs       fieldErrs
}

type adminRuleLine struct {
	// Title is the rule's short name, What the sentence a hit says.
	Rule, Title, What, Severity, Params string
	Enabled                             bool
	Effect                              string // how its decided cases came out, "" before any
}

func (s *Server) handleAdminRules(c *fiber.Ctx) error {
	return s.showAdminRules(c, fiber.StatusOK, nil, nil)
}

// showAdminRules shows the rules; typed holds what was typed for a rule
// whose change was refused.
func (s *Server) showAdminRules(c *fiber.Ctx, status int, errs fieldErrs, typed *adminRuleLine) error {
	_, b, err := s.adminBase(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	d := adminRulesPage{adminBase: b, Errs: errs}
	if d.Errs == nil {
		d.Errs = fieldErrs{}
		d.Done = doneWords(loc, c.Query("done"))
	}
	rules, err := s.cfg.Store.Rules(c.UserContext(), b.Provider)
	if err != nil {
		return err
	}
	effects, err := s.cfg.Store.RuleEffects(c.UserContext(), portal.HSAID(b.Provider))
	if err != nil {
		return err
	}
	eff := map[string]store.RuleEffect{}
	for _, e := range effects {
		eff[e.Rule] = e
	}
	for _, r := range rules {
		l := adminRuleLine{Rule: r.Rule, Title: upperFirst(loc.T("controls.rule." + r.Rule)), What: loc.T("workplace.rule." + r.Rule),
			Severity: r.Severity, Params: string(r.Params), Enabled: r.Enabled}
		if typed != nil && typed.Rule == r.Rule {
			l.Severity, l.Params, l.Enabled = typed.Severity, typed.Params, typed.Enabled
		}
		e := eff[r.Rule]
		if e.Decided > 0 {
			l.Effect = loc.N("admin.rules.effect", int(e.Decided), map[string]any{"Unjustified": e.Unjustified,
				"Share": loc.T("admin.rules.share", map[string]any{"Percent": loc.Percent(float64(e.Unjustified) / float64(e.Decided))})})
		}
		d.Rules = append(d.Rules, l)
	}
	for _, sv := range review.Severities {
		d.Severities = append(d.Severities, option{Key: sv, Label: loc.T("workplace.severity." + sv)})
	}
	return s.render(c, status, "admin_rules", "admin.rules.title", d)
}

func (s *Server) handleAdminRuleSet(c *fiber.Ctx) error {
	_, b, err := s.adminBase(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	typed := adminRuleLine{Rule: clip(c.FormValue("rule")), Severity: clip(c.FormValue("severity")),
		Params: strings.TrimSpace(clipText(c.FormValue("params"), 4000)), Enabled: c.FormValue("enabled") == "on"}
	if !review.Known(typed.Rule) {
		return &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "unknown rule", Err: portal.ErrNotFound}
	}
	errs := fieldErrs{}
	if !slices.Contains(review.Severities, typed.Severity) {
		errs["severity-"+typed.Rule] = loc.T("admin.rules.error.severity")
	}
	var obj map[string]any
	if typed.Params == "" {
		typed.Params = "{}"
	}
	if err := json.Unmarshal([]byte(typed.Params), &obj); err != nil || obj == nil {
		errs["params-"+typed.Rule] = loc.T("admin.rules.error.params")
	}
	if len(errs) > 0 {
		return s.showAdminRules(c, fiber.StatusBadRequest, errs, &typed)
	}
	en, sev := typed.Enabled, typed.Severity
	if err := s.cfg.Store.SetRule(c.UserContext(), store.RuleChange{Provider: b.Provider, Rule: typed.Rule,
		Enabled: &en, Severity: &sev, Params: json.RawMessage(typed.Params)}); err != nil {
		return err
	}
	return c.Redirect("/admin/regler"+adminQuery(c, b.Provider)+"&done=rule#rule-"+typed.Rule, fiber.StatusSeeOther)
}

type adminQualityPage struct {
	adminBase
	Issues      []extract.QualityIssue
	Quarantined []store.ReasonCount
}

// handleAdminQuality is what `insyn quality` shows, and the quarantine
// counted by reason: both come from the region's extracts, not one
// provider's, and the page says so.
func (s *Server) handleAdminQuality(c *fiber.Ctx) error {
	_, b, err := s.adminBase(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	counts, err := s.cfg.Store.CodeCounts(ctx, zeroTime, zeroTime)
	if err != nil {
		return err
	}
	local, err := s.cfg.Store.LocalTimeCounts(ctx, zeroTime, zeroTime)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	d := adminQualityPage{adminBase: b, Issues: extract.Quality(loc, append(counts, local...))}
	if d.Quarantined, err = s.cfg.Store.QuarantineReasons(ctx); err != nil {
		return err
	}
	for i, q := range d.Quarantined {
		if id := "quarantine.reason." + q.Reason; loc.Has(id) {
			d.Quarantined[i].Reason = loc.T(id)
		}
	}
	return s.render(c, fiber.StatusOK, "admin_quality", "admin.quality.title", d)
}

// zeroTime leaves a period open.
var zeroTime time.Time

const adminReadsPage = 50

type adminReadsData struct {
	adminBase
	Reader, Patient string
	Reads           []adminReadLine
	Page            int
	Prev, Next      string
	Errs            fieldErrs
}

type adminReadLine struct {
	At, Reader, Channel string
	Rows                int64
}

// handleAdminReads lists who read the provider's patients' logs. The
// reader is searched by GET; a patient only by POST, so the personal id
// never reaches a URL (and the next page is a POST too).
func (s *Server) handleAdminReads(c *fiber.Ctx) error {
	_, b, err := s.adminBase(c)
	if err != nil {
		return err
	}
	loc := s.cfg.Texts.For(lang(c))
	d := adminReadsData{adminBase: b, Errs: fieldErrs{}}
	f := store.LogReadFilter{Provider: portal.HSAID(b.Provider), Limit: adminReadsPage + 1}
	if c.Method() == fiber.MethodPost {
		d.Reader, d.Patient = clip(c.FormValue("reader")), clip(c.FormValue("patient"))
		d.Page, _ = strconv.Atoi(c.FormValue("page"))
	} else {
		d.Reader = clip(c.Query("reader"))
		d.Page, _ = strconv.Atoi(c.Query("page"))
	}
	d.Page = max(d.Page, 1)
	f.Reader, f.Offset = d.Reader, (d.Page-1)*adminReadsPage
	if d.Patient != "" {
		p, err := portal.ParsePersonalID(d.Patient)
		if err != nil {
			d.Errs["patient"] = msgOf(loc, err)
			return s.render(c, fiber.StatusBadRequest, "admin_reads", "admin.reads.title", d)
		}
		f.Patient = p
	}
	reads, err := s.cfg.Store.LogReads(c.UserContext(), f)
	if err != nil {
		return err
	}
	more := len(reads) > adminReadsPage
	if more {
		reads = reads[:adminReadsPage]
	}
	for _, r := range reads {
		who := r.ReaderID
		if r.ReaderName != "" {
			who = r.ReaderName + " (" + r.ReaderID + ")"
		}
		d.Reads = append(d.Reads, adminReadLine{At: loc.DateTime(r.At), Reader: who, Channel: channelWords(loc, r.Channel), Rows: r.Rows})
	}
	if more {
		d.Next = strconv.Itoa(d.Page + 1)
	}
	if d.Page > 1 {
		d.Prev = strconv.Itoa(d.Page - 1)
	}
	return s.render(c, fiber.StatusOK, "admin_reads", "admin.reads.title", d)
}

// channelPrefixes word how a log was read, by the channel's first part:
// log_reads keeps the channel as the code that read it.
var channelPrefixes = []struct{ prefix, id string }{
	{"web_case", "admin.channel.case"}, {"case", "admin.channel.case"},
	{"request", "admin.channel.request"}, {"extract", "admin.channel.cli"}, {"cli", "admin.channel.cli"},
	{"check", "admin.channel.check"}, {"targeted", "admin.channel.check"},
	{"digest", "admin.channel.notify"}, {"notify", "admin.channel.notify"},
	{"web", "admin.channel.web"},
}

// channelWords says in words how a log was read; a read made as a
// guardian says so.
func channelWords(loc *i18n.Localizer, ch string) string {
	base, guardian := strings.CutSuffix(ch, ":guardian")
	words := loc.T("admin.channel.other")
	for _, p := range channelPrefixes {
		if strings.HasPrefix(base, p.prefix) {
			words = loc.T(p.id)
			break
		}
	}
	if guardian {
		words += " " + loc.T("admin.channel.guardian")
	}
	return words
}

// upperFirst gives a name written to stand inside a sentence ("egen
// journal") its capital as a heading.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
