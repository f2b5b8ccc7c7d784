// Package i18n holds Insyn's message files (Swedish first, English second)
// and formats texts, plurals, dates and times in the reader's convention.
// Message files are named AREA.LANG.json so each area keeps its own file.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.json
var files embed.FS

// Languages Insyn speaks; the first is the default.
var Languages = []string{"sv", "en"}

// Catalog is the loaded bundle of every message file.
type Catalog struct {
	bundle *goi18n.Bundle
	loc    *time.Location
	byLang map[string]*Localizer // one per language, built at Load: a Localizer never changes
}

// Load reads the embedded message files.
func Load(loc *time.Location) (*Catalog, error) {
	b := goi18n.NewBundle(language.Swedish)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = b.ParseMessageFileBytes(data, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	c := &Catalog{bundle: b, loc: loc, byLang: map[string]*Localizer{}}
	for _, lang := range Languages {
		l := &Localizer{Lang: lang, l: goi18n.NewLocalizer(b, lang), loc: loc}
		l.plain = plainMessages(l)
		c.byLang[lang] = l
	}
	return c, nil
}

// plainMessages renders once every message of l's language that has no
// template action and no plural forms: T returns them from a map, without
// a lock or an allocation. Pages and extracts ask for the same labels on
// every row, and go-i18n runs a template for each call.
func plainMessages(l *Localizer) map[string]string {
	plain := map[string]string{}
	entries, _ := files.ReadDir(".")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "."+l.Lang+".json") {
			continue
		}
		data, _ := files.ReadFile(e.Name())
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		for id, v := range m {
			text, ok := v.(string)
			if !ok || strings.Contains(text, "{{") {
				continue
			}
			if s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id}); err == nil {
				plain[id] = s
			}
		}
	}
	return plain
}

// MustLoad is Load for main and tests, where a broken message file is a bug.
func MustLoad(loc *time.Location) *Catalog {
	c, err := Load(loc)
	if err != nil {
		panic(err)
	}
	return c
}

// Lang picks a supported language from a tag or Accept-Language header,
// defaulting to Swedish.
func Lang(accept string) string {
	tags, _, _ := language.ParseAcceptLanguage(accept)
	for _, t := range tags {
		base, _ := t.Base()
		for _, l := range Languages {
			if base.String() == l {
				return l
			}
		}
	}
	return Languages[0]
}

// Localizer renders messages in one language.
type Localizer struct {
	Lang  string
	l     *goi18n.Localizer
	loc   *time.Location
	plain map[string]string // id → the message, for messages without data (plainMessages); read-only
}

// For returns the localizer for lang ("sv" or "en"); any other lang gets
// the default language's.
func (c *Catalog) For(lang string) *Localizer {
	return c.byLang[Lang(lang)]
}

// IDs lists every message id of a language, sorted (for parity tests).
func (c *Catalog) IDs(lang string) []string {
	var ids []string
	for _, t := range c.bundle.LanguageTags() {
		if base, _ := t.Base(); base.String() != lang {
			continue
		}
		ids = append(ids, messageIDs(lang)...)
	}
	sort.Strings(ids)
	return ids
}

func messageIDs(lang string) []string {
	var ids []string
	entries, _ := files.ReadDir(".")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "."+lang+".json") {
			continue
		}
		data, _ := files.ReadFile(e.Name())
		var m map[string]any
		if json.Unmarshal(data, &m) == nil {
			for id := range m {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// Has reports whether id exists in this language.
func (l *Localizer) Has(id string) bool {
	_, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// T renders message id with data. A missing message is a programming error
// (tests check every id in both languages), so T panics rather than show a
// key or English text to a Swedish reader.
func (l *Localizer) T(id string, data ...map[string]any) string {
	if len(data) == 0 {
		if s, ok := l.plain[id]; ok {
			return s
		}
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	s, err := l.l.Localize(cfg)
	if err != nil {
		panic(fmt.Sprintf("i18n: message %q missing in %s", id, l.Lang))
	}
	return s
}

// N renders a plural message; {{.Count}} holds n.
func (l *Localizer) N(id string, n int, data ...map[string]any) string {
	td := map[string]any{"Count": n}
	if len(data) > 0 {
		for k, v := range data[0] {
			td[k] = v
		}
	}
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: td})
	if err != nil {
		panic(fmt.Sprintf("i18n: message %q missing in %s", id, l.Lang))
	}
	return s
}

var enMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Date formats a day: sv "2026-03-05", en "5 Mar 2026".
func (l *Localizer) Date(t time.Time) string {
	t = t.In(l.loc)
	if l.Lang == "en" {
		return fmt.Sprintf("%d %s %d", t.Day(), enMonths[t.Month()-1], t.Year())
	}
	return t.Format("2006-01-02")
}

// Time formats a clock time, 24-hour in both languages: "14:02".
// Written by hand: every row of an extract shows one or two, and Format
// parses its layout each time.
func (l *Localizer) Time(t time.Time) string {
	h, m, _ := t.In(l.loc).Clock()
	b := [5]byte{byte('0' + h/10), byte('0' + h%10), ':', byte('0' + m/10), byte('0' + m%10)}
	return string(b[:])
}

// DateTime formats a moment: sv "2026-03-05 14:02", en "5 Mar 2026, 14:02".
func (l *Localizer) DateTime(t time.Time) string {
	if l.Lang == "en" {
		return l.Date(t) + ", " + l.Time(t)
	}
	return l.Date(t) + " " + l.Time(t)
}

// Location is the time zone texts are shown in.
func (l *Localizer) Location() *time.Location { return l.loc }

// Number groups digits in the reader's convention: sv "300 000" (with a
// no-break space), en "300,000".
func (l *Localizer) Number(n int64) string {
	sep := "\u00a0"
	if l.Lang == "en" {
		sep = ","
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Percent writes share (0..1) as a percentage with one decimal in the
// reader's convention: sv "98,9" (decimal comma), en "98.9".
func (l *Localizer) Percent(share float64) string {
	s := strconv.FormatFloat(100*share, 'f', 1, 64)
	if l.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
