package push

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The texts below are the only ones the package sends. They are generic on
// purpose: nothing in them tells a reader what the group is about.
//
// Body templates use these placeholders:
//
//	{at}   "at 6:00 PM" / "a las 18:00" (time of day in the member's format)
//	{day}  weekday name, e.g. "Tuesday" / "martes"
//	{date} weekday and date, e.g. "Tuesday, March 17" / "martes 17 de marzo"

// lang is a supported language.
type lang int

const (
	english lang = iota
	spanish
	numLangs
)

// when says how the day of a session is described relative to now.
type when int

const (
	whenToday    when = iota // later the same local day (or earlier today)
	whenTomorrow             // the next local day
	whenWeekday              // 2 to 6 days ahead: the weekday name is clear
	whenDate                 // a week or more ahead, or a past day: weekday and date
	numWhens
)

// texts holds the wording of one language.
type texts struct {
	weekdays [7]string // Sunday first, like time.Weekday
	months   [12]string

	reminderTitle  string
	reminder       [numWhens]string
	cancelledTitle string
	cancelled      [numWhens]string

	encouragementTitle string
	encouragementBody  string

	promptTitle string
	promptBody  string
}

var allTexts = [numLangs]texts{
	english: {
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December"},
		reminderTitle: "Reminder",
		reminder: [numWhens]string{
			whenToday:    "Your group meets {at}",
			whenTomorrow: "Your group meets tomorrow {at}",
			whenWeekday:  "Your group meets on {day} {at}",
			whenDate:     "Your group meets on {date} {at}",
		},
		cancelledTitle: "Schedule change",
		cancelled: [numWhens]string{
			whenToday:    "Your group today {at} is cancelled.",
			whenTomorrow: "Your group tomorrow {at} is cancelled.",
			whenWeekday:  "Your group on {day} {at} is cancelled.",
			whenDate:     "Your group on {date} {at} is cancelled.",
		},
		encouragementTitle: "New message",
		encouragementBody:  "Someone sent you encouragement",
		promptTitle:        "New prompt",
		promptBody:         "Your group has a new prompt",
	},
	spanish: {
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio",
			"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		reminderTitle: "Recordatorio",
		reminder: [numWhens]string{
			whenToday:    "Tu grupo se reúne hoy {at}",
			whenTomorrow: "Tu grupo se reúne mañana {at}",
			whenWeekday:  "Tu grupo se reúne el {day} {at}",
			whenDate:     "Tu grupo se reúne el {date} {at}",
		},
		cancelledTitle: "Cambio de agenda",
		cancelled: [numWhens]string{
			whenToday:    "La sesión de tu grupo de hoy {at} se canceló.",
			whenTomorrow: "La sesión de tu grupo de mañana {at} se canceló.",
			whenWeekday:  "La sesión de tu grupo del {day} {at} se canceló.",
			whenDate:     "La sesión de tu grupo del {date} {at} se canceló.",
		},
		encouragementTitle: "Mensaje nuevo",
		encouragementBody:  "Alguien te envió palabras de ánimo",
		promptTitle:        "Nueva pregunta",
		promptBody:         "Tu grupo tiene una nueva pregunta para reflexionar",
	},
}

// format is how texts are written for one locale.
type format struct {
	lang       lang
	clock12    bool // "6:00 PM" rather than "18:00"
	monthFirst bool // English only: "Tuesday, March 17" rather than "Tuesday 17 March"
}

// twelveHour lists the locales that write times on a 12-hour clock. A bare
// "en" and the empty locale do too.
var twelveHour = map[string]bool{
	"en-us": true, "en-ca": true, "en-au": true, "en-nz": true, "en-ph": true, "en-in": true,
	"es-us": true, "es-mx": true,
}

// monthFirst lists the English locales that write "March 17" rather than
// "17 March". A bare "en" and the empty locale do too.
var monthFirst = map[string]bool{"en-us": true, "en-ca": true, "en-ph": true}

// parseLocale reads a BCP-47 or POSIX style locale such as "es-MX",
// "es_us", "en-Latn-GB" or "en_US.UTF-8". Unknown languages get English.
func parseLocale(locale string) format {
	s := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	primary, region := "", ""
	if len(parts) > 0 {
		primary = parts[0]
	}
	for _, p := range parts[min(1, len(parts)):] {
		if isRegion(p) {
			region = p
			break
		}
	}
	f := format{lang: english}
	if primary == "es" {
		f.lang = spanish
	}
	key := primary + "-" + region
	switch {
	case primary == "":
		f.clock12, f.monthFirst = true, true
	case primary == "en" && region == "":
		f.clock12, f.monthFirst = true, true
	default:
		f.clock12 = twelveHour[key]
		f.monthFirst = primary == "en" && monthFirst[key]
	}
	return f
}

// Locale is the locale a device's pushes are worded in for a member whose language is
// language ("en", "es"; empty: none chosen). The member's language wins over the device's,
// keeping the device's region for the clock and date ("en-US" with language "es" gives
// "es-US"); without a language, or with the device's own, the device's locale stands.
func Locale(device, language string) string {
	if language == "" {
		return device
	}
	s := strings.ToLower(strings.TrimSpace(device))
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) > 0 && parts[0] == language {
		return device
	}
	for _, p := range parts[min(1, len(parts)):] {
		if isRegion(p) {
			return language + "-" + p
		}
	}
	return language
}

// isRegion reports whether a locale subtag is a region: two letters or
// three digits.
func isRegion(p string) bool {
	switch len(p) {
	case 2:
		return p[0] >= 'a' && p[0] <= 'z' && p[1] >= 'a' && p[1] <= 'z'
	case 3:
		return p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9'
	}
	return false
}

// Reminder returns the texts of a reminder for a session starting at
// startsAt, as seen at now by a member in time zone loc (nil means UTC)
// using locale, e.g. "Reminder" / "Your group meets tomorrow at 6:00 PM".
func Reminder(locale string, loc *time.Location, startsAt, now time.Time) (title, body string) {
	f := parseLocale(locale)
	t := &allTexts[f.lang]
	w, start := describe(loc, startsAt, now)
	return t.reminderTitle, f.render(t.reminder[w], start)
}

// Cancelled returns the texts telling a member in time zone loc (nil means
// UTC) that the session starting at startsAt is cancelled, e.g.
// "Schedule change" / "Your group on Tuesday at 6:00 PM is cancelled.".
func Cancelled(locale string, loc *time.Location, startsAt, now time.Time) (title, body string) {
	f := parseLocale(locale)
	t := &allTexts[f.lang]
	w, start := describe(loc, startsAt, now)
	return t.cancelledTitle, f.render(t.cancelled[w], start)
}

// Encouragement returns the texts telling a member that someone sent them
// encouragement: "New message" / "Someone sent you encouragement".
func Encouragement(locale string) (title, body string) {
	t := &allTexts[parseLocale(locale).lang]
	return t.encouragementTitle, t.encouragementBody
}

// Prompt returns the texts telling a member that their group's next session
// has a prompt to write to: "New prompt" / "Your group has a new prompt".
// Neither the prompt nor the theme is ever part of it.
func Prompt(locale string) (title, body string) {
	t := &allTexts[parseLocale(locale).lang]
	return t.promptTitle, t.promptBody
}

// describe converts startsAt to loc and says how its day relates to the
// day of now in loc.
func describe(loc *time.Location, startsAt, now time.Time) (when, time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	start := startsAt.In(loc)
	switch d := daysBetween(now.In(loc), start); {
	case d == 0:
		return whenToday, start
	case d == 1:
		return whenTomorrow, start
	case d >= 2 && d <= 6:
		return whenWeekday, start
	default:
		return whenDate, start
	}
}

// daysBetween counts calendar days from a's date to b's date, each in its
// own location. It is not fooled by days of 23 or 25 hours.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}

// render fills a body template for the session starting at t (already in
// the member's zone).
func (f format) render(tmpl string, t time.Time) string {
	txt := &allTexts[f.lang]
	day := txt.weekdays[t.Weekday()]
	var date string
	switch {
	case f.lang == spanish:
		date = fmt.Sprintf("%s %d de %s", day, t.Day(), txt.months[t.Month()-1])
	case f.monthFirst:
		date = fmt.Sprintf("%s, %s %d", day, txt.months[t.Month()-1], t.Day())
	default:
		date = fmt.Sprintf("%s %d %s", day, t.Day(), txt.months[t.Month()-1])
	}
	return strings.NewReplacer("{at}", f.at(t), "{day}", day, "{date}", date).Replace(tmpl)
}

// at writes "at <time>" in f's language and clock.
func (f format) at(t time.Time) string {
	h, m := t.Hour(), t.Minute()
	shown := h // the hour as written
	var clock string
	switch {
	case f.clock12:
		shown = h % 12
		if shown == 0 {
			shown = 12
		}
		suffix := "AM"
		if h >= 12 {
			suffix = "PM"
		}
		if f.lang == spanish {
			suffix = strings.ToLower(suffix[:1]) + ".m."
		}
		clock = fmt.Sprintf("%d:%02d %s", shown, m, suffix)
	case f.lang == spanish:
		clock = fmt.Sprintf("%d:%02d", h, m)
	default:
		clock = fmt.Sprintf("%02d:%02d", h, m)
	}
	if f.lang == spanish {
		if shown == 1 {
			return "a la " + clock
		}
		return "a las " + clock
	}
	return "at " + clock
}

// pattern is a compiled body template together with its title.
type pattern struct {
	kind  Kind
	title string
	body  *regexp.Regexp
}

// patterns matches every title/body pair the package can produce.
var patterns = buildPatterns()

func buildPatterns() []pattern {
	const dayNum = `(?:[1-9]|[12][0-9]|3[01])`
	var out []pattern
	for l := range numLangs {
		t := &allTexts[l]
		days := "(?:" + strings.Join(t.weekdays[:], "|") + ")"
		months := "(?:" + strings.Join(t.months[:], "|") + ")"
		var at, date string
		if l == spanish {
			at = `a las? (?:(?:1[0-2]|[1-9]):[0-5][0-9] [ap]\.m\.|(?:1[0-9]|2[0-3]|[0-9]):[0-5][0-9])`
			date = days + " " + dayNum + " de " + months
		} else {
			at = `at (?:(?:1[0-2]|[1-9]):[0-5][0-9] [AP]M|(?:[01][0-9]|2[0-3]):[0-5][0-9])`
			date = "(?:" + days + ", " + months + " " + dayNum + "|" + days + " " + dayNum + " " + months + ")"
		}
		fill := strings.NewReplacer(`\{at\}`, at, `\{day\}`, days, `\{date\}`, date)
		add := func(kind Kind, title, tmpl string) {
			re := regexp.MustCompile("^" + fill.Replace(regexp.QuoteMeta(tmpl)) + "$")
			out = append(out, pattern{kind: kind, title: title, body: re})
		}
		for w := range numWhens {
			add(KindReminder, t.reminderTitle, t.reminder[w])
			add(KindCancelled, t.cancelledTitle, t.cancelled[w])
		}
		add(KindEncouragement, t.encouragementTitle, t.encouragementBody)
		add(KindPrompt, t.promptTitle, t.promptBody)
	}
	return out
}

// knownText reports whether title and body are a pair the package produces
// for kind; an empty kind accepts a pair of any kind.
func knownText(kind Kind, title, body string) bool {
	for _, p := range patterns {
		if (kind == "" || p.kind == kind) && p.title == title && p.body.MatchString(body) {
			return true
		}
	}
	return false
}
