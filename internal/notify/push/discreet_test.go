package push

import (
	"strings"
	"testing"
	"time"
)

// testLocales are the locales the tests produce texts for.
var testLocales = []string{"en-US", "en-GB", "en-AU", "es-MX", "es-ES", "es_US", "", "fr-FR"}

// forbiddenNames stand in for group names, display names and reflection
// text that must never reach a lock screen. "Ana" must not trip over
// "mañana", "Al" not over "Alguien".
var forbiddenNames = []string{"Sunrise Circle", "Ana", "Al", "Bob", "I felt strong today"}

func reminderMsg(title, body string) Message {
	return Message{
		Token: "tok", Kind: KindReminder, Title: title, Body: body,
		Data:       map[string]string{"type": string(KindReminder), "sessionId": "8d1e3c2a-5b6f-4c1d-9e7a-0f1b2c3d4e5f", "groupId": "123"},
		CollapseID: "session-8d1e3c2a-5b6f-4c1d-9e7a-0f1b2c3d4e5f",
	}
}

// Every text the package can produce passes CheckDiscreet: all locales,
// every quarter hour over 9 days (today, tomorrow, weekdays, dates), and
// a past day.
func TestCheckDiscreetPassesAllTexts(t *testing.T) {
	chi := chicago(t)
	now := time.Date(2026, 10, 29, 0, 0, 0, 0, chi) // spans the fall-back change
	n := 0
	for _, loc := range testLocales {
		for start := now.Add(-24 * time.Hour); start.Before(now.Add(9 * 24 * time.Hour)); start = start.Add(15 * time.Minute) {
			for _, kind := range []Kind{KindReminder, KindCancelled} {
				var title, body string
				if kind == KindReminder {
					title, body = Reminder(loc, chi, start, now)
				} else {
					title, body = Cancelled(loc, chi, start, now)
				}
				m := reminderMsg(title, body)
				m.Kind = kind
				m.Data["type"] = string(kind)
				if err := CheckDiscreet(m, forbiddenNames...); err != nil {
					t.Fatalf("%s %s %v: %v", loc, kind, start, err)
				}
				n++
			}
		}
		title, body := Encouragement(loc)
		m := Message{Token: "tok", Kind: KindEncouragement, Title: title, Body: body,
			Data: map[string]string{"encouragementId": "42"}}
		if err := CheckDiscreet(m, forbiddenNames...); err != nil {
			t.Fatalf("%s encouragement: %v", loc, err)
		}
		title, body = Prompt(loc)
		m = Message{Token: "tok", Kind: KindPrompt, Title: title, Body: body,
			Data: map[string]string{"type": string(KindPrompt), "sessionId": "42"}, CollapseID: "p42"}
		if err := CheckDiscreet(m, forbiddenNames...); err != nil {
			t.Fatalf("%s prompt: %v", loc, err)
		}
		m.Kind, m.Data["type"] = KindReminder, string(KindReminder)
		if err := CheckDiscreet(m); err == nil {
			t.Fatalf("%s: the prompt's texts pass as a reminder's", loc)
		}
	}
	if n < 10000 {
		t.Errorf("only %d texts checked", n)
	}
}

func TestCheckDiscreetFindsProblems(t *testing.T) {
	title, body := Reminder("en-US", time.UTC, time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	ok := reminderMsg(title, body)
	if err := CheckDiscreet(ok, forbiddenNames...); err != nil {
		t.Fatalf("baseline message: %v", err)
	}

	type tc struct {
		name      string
		change    func(m *Message)
		forbidden []string
		want      string // part of the error
	}
	var tests []tc
	banned := []string{"addiction", "Addicts", "RECOVERY", "recovering", "rehab", "Sober", "sobriety",
		"therapy", "Therapist", "AA", "NA", "na", "N.A.", "meeting of", "Alcoholics Anonymous", "narcotics",
		"relapse", "clinic", "adicción", "recuperación", "rehabilitación", "sobrio", "terapia", "terapeuta",
		"reunión de", "drogas"}
	for _, w := range banned {
		tests = append(tests,
			tc{"title " + w, func(m *Message) { m.Title = "Your " + w + " group" }, nil, "title contains the banned word"},
			tc{"body " + w, func(m *Message) { m.Body = m.Body + " (" + w + ")" }, nil, "body contains the banned word"},
		)
	}
	tests = append(tests,
		tc{"banned word in data value", func(m *Message) { m.Data["groupId"] = "rehab-7" }, nil, `data groupId contains the banned word "rehab"`},
		tc{"banned word in collapse id", func(m *Message) { m.CollapseID = "sober_group_7" }, nil, "collapse id contains the banned word"},
		tc{"group name in body", func(m *Message) { m.Body = "Sunrise Circle meets at 6:00 PM" }, forbiddenNames, `body contains forbidden text "Sunrise Circle"`},
		tc{"name ignores case and spacing", func(m *Message) { m.Title = "sunrise   CIRCLE" }, forbiddenNames, `title contains forbidden text "Sunrise Circle"`},
		tc{"display name in title", func(m *Message) { m.Title = "Ana says hi" }, forbiddenNames, `title contains forbidden text "Ana"`},
		tc{"reflection text", func(m *Message) { m.Body = "I felt strong today!" }, forbiddenNames, "forbidden text"},
		tc{"forbidden id in data", func(m *Message) { m.Data["groupId"] = "bob" }, forbiddenNames, `data groupId contains forbidden text "Bob"`},
		tc{"bad data key", func(m *Message) { m.Data["groupName"] = "x" }, nil, `data key "groupName" is not allowed`},
		tc{"data value with spaces", func(m *Message) { m.Data["sessionId"] = "next tuesday" }, nil, `data "sessionId" is not an opaque id`},
		tc{"data value too long", func(m *Message) { m.Data["sessionId"] = strings.Repeat("a", 65) }, nil, "not an opaque id"},
		tc{"empty data value", func(m *Message) { m.Data["sessionId"] = "" }, nil, "not an opaque id"},
		tc{"unknown type", func(m *Message) { m.Data["type"] = "chat" }, nil, "not a known kind"},
		tc{"type differs from kind", func(m *Message) { m.Data["type"] = string(KindEncouragement) }, nil, "differs from kind"},
		tc{"unknown kind", func(m *Message) { m.Kind = "news" }, nil, "is not known"},
		tc{"text of another kind", func(m *Message) { m.Title, m.Body = Encouragement("en") }, nil, "not texts this package produces for session_reminder"},
		tc{"made-up text", func(m *Message) { m.Title, m.Body = "Hi", "Hello there" }, nil, "not texts this package produces"},
		tc{"title from another language", func(m *Message) { m.Title = "Recordatorio" }, nil, "not texts this package produces"},
		tc{"empty token", func(m *Message) { m.Token = "" }, nil, "no device token"},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			m.Data = map[string]string{}
			for k, v := range ok.Data {
				m.Data[k] = v
			}
			tt.change(&m)
			err := CheckDiscreet(m, tt.forbidden...)
			if err == nil {
				t.Fatalf("no error for %+v", m)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// Two-letter banned words and forbidden names only match whole words.
func TestCheckDiscreetWholeWords(t *testing.T) {
	m := reminderMsg(Reminder("es-MX", time.UTC, time.Date(2026, 3, 11, 18, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)))
	if !strings.Contains(m.Body, "mañana") {
		t.Fatalf("body %q lacks mañana", m.Body)
	}
	m.Data["sessionId"] = "x-na_3" // random ids may contain "na" between separators
	if err := CheckDiscreet(m, "Ana", "Tu grupo de apoyo"); err != nil {
		t.Errorf("false positive: %v", err)
	}
	if err := CheckDiscreet(m, "Tu grupo"); err == nil {
		t.Error("a forbidden phrase present in the text was not found")
	}
}

// The errors of the senders' own check do not repeat the refused texts.
func TestPrecheckHidesTexts(t *testing.T) {
	m := reminderMsg("Sunrise Circle", "Sunrise Circle meets tonight")
	r, ok := precheck(m)
	if ok || r.Err == nil || r.DropDevice || r.Retry {
		t.Fatalf("precheck = %+v, %v", r, ok)
	}
	if strings.Contains(r.Err.Error(), "Sunrise") {
		t.Errorf("error reveals the text: %v", r.Err)
	}
	m.Token = ""
	if r, ok := precheck(m); ok || r.Err != ErrNoToken || !r.DropDevice {
		t.Errorf("precheck without token = %+v", r)
	}
}
