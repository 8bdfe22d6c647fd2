package push

import (
	"testing"
	"time"
)

func chicago(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skipf("time zone data not available: %v", err)
	}
	return loc
}

func TestParseLocale(t *testing.T) {
	tests := []struct {
		locale     string
		lang       lang
		clock12    bool
		monthFirst bool
	}{
		{"", english, true, true},
		{"en", english, true, true},
		{"en-US", english, true, true},
		{"en_us", english, true, true},
		{"EN-CA", english, true, true},
		{"en-AU", english, true, false},
		{"en-NZ", english, true, false},
		{"en-PH", english, true, true},
		{"en-IN", english, true, false},
		{"en-GB", english, false, false},
		{"en-Latn-GB", english, false, false},
		{"en_US.UTF-8", english, true, true},
		{"en-IE", english, false, false},
		{"es", spanish, false, false},
		{"es-ES", spanish, false, false},
		{"es_US", spanish, true, false},
		{"es-mx", spanish, true, false},
		{"ES_MX", spanish, true, false},
		{"es-419", spanish, false, false},
		{"es-AR", spanish, false, false},
		{"fr-FR", english, false, false},
		{"pt-BR", english, false, false},
		{"zz", english, false, false},
		{"  es-MX  ", spanish, true, false},
	}
	for _, tt := range tests {
		f := parseLocale(tt.locale)
		if f.lang != tt.lang || f.clock12 != tt.clock12 || f.monthFirst != tt.monthFirst {
			t.Errorf("parseLocale(%q) = %+v, want lang %d clock12 %v monthFirst %v",
				tt.locale, f, tt.lang, tt.clock12, tt.monthFirst)
		}
	}
}

func TestTexts(t *testing.T) {
	chi := chicago(t)
	// Tuesday 10 March 2026, 9:00 in Chicago.
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, chi)
	today := time.Date(2026, 3, 10, 18, 0, 0, 0, chi)
	tomorrow := time.Date(2026, 3, 11, 18, 0, 0, 0, chi)
	friday := time.Date(2026, 3, 13, 9, 5, 0, 0, chi)
	nextWeek := time.Date(2026, 3, 17, 18, 0, 0, 0, chi)
	oneOClock := time.Date(2026, 3, 10, 13, 0, 0, 0, chi)
	midnight := time.Date(2026, 3, 11, 0, 15, 0, 0, chi)
	noon := time.Date(2026, 3, 10, 12, 0, 0, 0, chi)

	tests := []struct {
		name, locale   string
		start          time.Time
		reminder, canc string
	}{
		{"en-US today", "en-US", today,
			"Your group meets at 6:00 PM", "Your group today at 6:00 PM is cancelled."},
		{"en-US tomorrow", "en-US", tomorrow,
			"Your group meets tomorrow at 6:00 PM", "Your group tomorrow at 6:00 PM is cancelled."},
		{"en-US weekday", "en-US", friday,
			"Your group meets on Friday at 9:05 AM", "Your group on Friday at 9:05 AM is cancelled."},
		{"en-US next week", "en-US", nextWeek,
			"Your group meets on Tuesday, March 17 at 6:00 PM", "Your group on Tuesday, March 17 at 6:00 PM is cancelled."},
		{"en-US midnight", "en-US", midnight,
			"Your group meets tomorrow at 12:15 AM", "Your group tomorrow at 12:15 AM is cancelled."},
		{"en-US noon", "en-US", noon,
			"Your group meets at 12:00 PM", "Your group today at 12:00 PM is cancelled."},
		{"en-GB today", "en-GB", today,
			"Your group meets at 18:00", "Your group today at 18:00 is cancelled."},
		{"en-GB weekday", "en-GB", friday,
			"Your group meets on Friday at 09:05", "Your group on Friday at 09:05 is cancelled."},
		{"en-GB next week", "en-GB", nextWeek,
			"Your group meets on Tuesday 17 March at 18:00", "Your group on Tuesday 17 March at 18:00 is cancelled."},
		{"en-GB midnight", "en-GB", midnight,
			"Your group meets tomorrow at 00:15", "Your group tomorrow at 00:15 is cancelled."},
		{"es-MX today", "es-MX", today,
			"Tu grupo se reúne hoy a las 6:00 p.m.", "La sesión de tu grupo de hoy a las 6:00 p.m. se canceló."},
		{"es-MX tomorrow", "es_mx", tomorrow,
			"Tu grupo se reúne mañana a las 6:00 p.m.", "La sesión de tu grupo de mañana a las 6:00 p.m. se canceló."},
		{"es-MX weekday", "es-MX", friday,
			"Tu grupo se reúne el viernes a las 9:05 a.m.", "La sesión de tu grupo del viernes a las 9:05 a.m. se canceló."},
		{"es-MX one o'clock", "es-MX", oneOClock,
			"Tu grupo se reúne hoy a la 1:00 p.m.", "La sesión de tu grupo de hoy a la 1:00 p.m. se canceló."},
		{"es-ES today", "es-ES", today,
			"Tu grupo se reúne hoy a las 18:00", "La sesión de tu grupo de hoy a las 18:00 se canceló."},
		{"es-ES tomorrow", "es-ES", tomorrow,
			"Tu grupo se reúne mañana a las 18:00", "La sesión de tu grupo de mañana a las 18:00 se canceló."},
		{"es-ES weekday", "es-ES", friday,
			"Tu grupo se reúne el viernes a las 9:05", "La sesión de tu grupo del viernes a las 9:05 se canceló."},
		{"es-ES next week", "es-ES", nextWeek,
			"Tu grupo se reúne el martes 17 de marzo a las 18:00", "La sesión de tu grupo del martes 17 de marzo a las 18:00 se canceló."},
		{"es-ES one o'clock", "es-ES", oneOClock,
			"Tu grupo se reúne hoy a las 13:00", "La sesión de tu grupo de hoy a las 13:00 se canceló."},
		{"es-ES 1 AM", "es-ES", time.Date(2026, 3, 11, 1, 30, 0, 0, chi),
			"Tu grupo se reúne mañana a la 1:30", "La sesión de tu grupo de mañana a la 1:30 se canceló."},
		{"es-ES weekday lowercase", "es", time.Date(2026, 3, 14, 18, 0, 0, 0, chi),
			"Tu grupo se reúne el sábado a las 18:00", "La sesión de tu grupo del sábado a las 18:00 se canceló."},
		{"unknown locale", "de-DE", today,
			"Your group meets at 18:00", "Your group today at 18:00 is cancelled."},
		{"empty locale", "", friday,
			"Your group meets on Friday at 9:05 AM", "Your group on Friday at 9:05 AM is cancelled."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body := Reminder(tt.locale, chi, tt.start, now)
			wantTitle := "Reminder"
			if parseLocale(tt.locale).lang == spanish {
				wantTitle = "Recordatorio"
			}
			if title != wantTitle || body != tt.reminder {
				t.Errorf("Reminder = %q / %q, want %q / %q", title, body, wantTitle, tt.reminder)
			}
			title, body = Cancelled(tt.locale, chi, tt.start, now)
			wantTitle = "Schedule change"
			if parseLocale(tt.locale).lang == spanish {
				wantTitle = "Cambio de agenda"
			}
			if title != wantTitle || body != tt.canc {
				t.Errorf("Cancelled = %q / %q, want %q / %q", title, body, wantTitle, tt.canc)
			}
		})
	}
}

func TestEncouragement(t *testing.T) {
	tests := []struct{ locale, title, body string }{
		{"en-US", "New message", "Someone sent you encouragement"},
		{"en-GB", "New message", "Someone sent you encouragement"},
		{"es-MX", "Mensaje nuevo", "Alguien te envió palabras de ánimo"},
		{"es-ES", "Mensaje nuevo", "Alguien te envió palabras de ánimo"},
		{"", "New message", "Someone sent you encouragement"},
		{"ja-JP", "New message", "Someone sent you encouragement"},
	}
	for _, tt := range tests {
		title, body := Encouragement(tt.locale)
		if title != tt.title || body != tt.body {
			t.Errorf("Encouragement(%q) = %q / %q, want %q / %q", tt.locale, title, body, tt.title, tt.body)
		}
	}
}

// TestPrompt: the push of a new prompt says only that there is one.
func TestPrompt(t *testing.T) {
	tests := []struct{ locale, title, body string }{
		{"en-US", "New prompt", "Your group has a new prompt"},
		{"en-GB", "New prompt", "Your group has a new prompt"},
		{"es-MX", "Nueva pregunta", "Tu grupo tiene una nueva pregunta para reflexionar"},
		{"es_ES", "Nueva pregunta", "Tu grupo tiene una nueva pregunta para reflexionar"},
		{"", "New prompt", "Your group has a new prompt"},
		{"fr-FR", "New prompt", "Your group has a new prompt"},
	}
	for _, tt := range tests {
		title, body := Prompt(tt.locale)
		if title != tt.title || body != tt.body {
			t.Errorf("Prompt(%q) = %q / %q, want %q / %q", tt.locale, title, body, tt.title, tt.body)
		}
	}
}

// The day is decided in the member's zone, by calendar date, not by UTC
// and not by counting 24-hour periods.
func TestDayBoundaries(t *testing.T) {
	chi := chicago(t)
	tests := []struct {
		name       string
		now, start time.Time
		loc        *time.Location
		want       string
	}{
		{"across local midnight is tomorrow though the same UTC day",
			time.Date(2026, 6, 1, 23, 30, 0, 0, chi), time.Date(2026, 6, 2, 0, 30, 0, 0, chi), chi,
			"Your group meets tomorrow at 12:30 AM"},
		{"same local evening is today though the next UTC day",
			time.Date(2026, 6, 1, 17, 0, 0, 0, chi), time.Date(2026, 6, 1, 20, 0, 0, 0, chi), chi,
			"Your group meets at 8:00 PM"},
		{"zone decides: the same instants in UTC",
			time.Date(2026, 6, 1, 17, 0, 0, 0, chi), time.Date(2026, 6, 1, 20, 0, 0, 0, chi), time.UTC,
			"Your group meets tomorrow at 1:00 AM"},
		{"nil zone means UTC",
			time.Date(2026, 6, 1, 17, 0, 0, 0, chi), time.Date(2026, 6, 1, 20, 0, 0, 0, chi), nil,
			"Your group meets tomorrow at 1:00 AM"},
		{"spring forward: 23 hours later is tomorrow",
			time.Date(2026, 3, 7, 18, 0, 0, 0, chi), time.Date(2026, 3, 8, 18, 0, 0, 0, chi), chi,
			"Your group meets tomorrow at 6:00 PM"},
		{"spring forward: under 24 hours later is two days on",
			time.Date(2026, 3, 7, 23, 30, 0, 0, chi), time.Date(2026, 3, 9, 0, 15, 0, 0, chi), chi,
			"Your group meets on Monday at 12:15 AM"},
		{"spring forward: the afternoon of the short day is today",
			time.Date(2026, 3, 8, 0, 30, 0, 0, chi), time.Date(2026, 3, 8, 18, 0, 0, 0, chi), chi,
			"Your group meets at 6:00 PM"},
		{"fall back: 25 hours later is tomorrow",
			time.Date(2026, 10, 31, 18, 0, 0, 0, chi), time.Date(2026, 11, 1, 18, 0, 0, 0, chi), chi,
			"Your group meets tomorrow at 6:00 PM"},
		{"fall back: over 48 hours later is still tomorrow",
			time.Date(2026, 10, 31, 0, 10, 0, 0, chi), time.Date(2026, 11, 1, 23, 50, 0, 0, chi), chi,
			"Your group meets tomorrow at 11:50 PM"},
		{"fall back: late on the long day is today",
			time.Date(2026, 11, 1, 0, 5, 0, 0, chi), time.Date(2026, 11, 1, 23, 55, 0, 0, chi), chi,
			"Your group meets at 11:55 PM"},
		{"six days ahead is a weekday",
			time.Date(2026, 3, 2, 9, 0, 0, 0, chi), time.Date(2026, 3, 8, 18, 0, 0, 0, chi), chi,
			"Your group meets on Sunday at 6:00 PM"},
		{"seven days ahead gets a date",
			time.Date(2026, 3, 1, 9, 0, 0, 0, chi), time.Date(2026, 3, 8, 18, 0, 0, 0, chi), chi,
			"Your group meets on Sunday, March 8 at 6:00 PM"},
		{"a past day gets a date",
			time.Date(2026, 3, 10, 9, 0, 0, 0, chi), time.Date(2026, 3, 9, 18, 0, 0, 0, chi), chi,
			"Your group meets on Monday, March 9 at 6:00 PM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, body := Reminder("en-US", tt.loc, tt.start, tt.now); body != tt.want {
				t.Errorf("Reminder body = %q, want %q", body, tt.want)
			}
		})
	}
}

// TestLocale: the member's language wins over the device's, in the device's region; without
// one the device's locale stands.
func TestLocale(t *testing.T) {
	cases := []struct{ device, language, want string }{
		{"en-US", "", "en-US"},
		{"es-MX", "", "es-MX"},
		{"en-US", "es", "es-us"}, // parseLocale reads any case
		{"es_MX.UTF-8", "en", "en-mx"},
		{"es-MX", "es", "es-MX"},
		{"en", "es", "es"},
	}
	for _, c := range cases {
		if got := Locale(c.device, c.language); got != c.want {
			t.Errorf("Locale(%q, %q) = %q, want %q", c.device, c.language, got, c.want)
		}
	}
	if title, _ := Encouragement(Locale("en-US", "es")); title != "Mensaje nuevo" {
		t.Errorf("a Spanish member's push on an en-US phone is titled %q", title)
	}
}
