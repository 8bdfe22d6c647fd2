package crisis

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// detector is shared by the tests, the way the server shares one. It is
// built in TestMain: package variables are set before init functions run,
// so the phrase tables are not registered yet at that point.
var detector *Detector

func TestMain(m *testing.M) {
	detector = NewDetector()
	os.Exit(m.Run())
}

// check runs Detect and reports a wrong answer with the phrase that matched.
func check(t *testing.T, text string, want bool) {
	t.Helper()
	got := detector.Detect(text)
	if got == want {
		return
	}
	if p, ok := detector.firstMatch(text); ok {
		t.Errorf("Detect(%q) = %v, want %v (matched %q, category %q)", text, got, want, p.source, p.category)
	} else {
		t.Errorf("Detect(%q) = %v, want %v", text, got, want)
	}
}

func TestDetectCrisis(t *testing.T) {
	tests := []struct {
		category string
		text     string
	}{
		// Suicidal ideation.
		{"ideation", "I want to kill myself"},
		{"ideation", "Some nights I think about killing myself."},
		{"ideation", "I almost killed myself last year"},
		{"ideation", "I'm going to end my life"},
		{"ideation", "I keep thinking about ending my own life"},
		{"ideation", "I want to take my own life"},
		{"ideation", "I just want to end it all"},
		{"ideation", "I want to die"},
		{"ideation", "i wanna die"},
		{"ideation", "I want to fucking die"},
		{"ideation", "Honestly I wanted to die every day this week"},
		{"ideation", "Part of me wants to die"},
		{"ideation", "I'm thinking about suicide again"},
		{"ideation", "Feeling suicidal tonight"},
		{"ideation", "I'm not suicidal, just tired"}, // denials are flagged on purpose
		{"ideation", "I would never kill myself"},    // denials are flagged on purpose
		{"ideation", "Everyone would be better off dead, me first"},
		{"ideation", "My family would be better off without me"},
		{"ideation", "They'd all be better off if I was gone"},
		{"ideation", "There is no reason to live anymore"},
		{"ideation", "I have nothing left to live for"},
		{"ideation", "There's no point in living"},
		{"ideation", "Life isn't worth living"},
		{"ideation", "I don't want to be here anymore"},
		{"ideation", "i dont want to be here any more"},
		{"ideation", "I do not want to be here anymore."},
		{"ideation", "I don't want to be alive"},
		{"ideation", "I don't want to live anymore"},
		{"ideation", "I don't want to live like this anymore"}, // ambiguous, flagged on purpose
		{"ideation", "I don't want to live in this world anymore"},
		{"ideation", "I can't go on"},
		{"ideation", "I can't go on like this"},
		{"ideation", "I cannot go on living"},
		{"ideation", "I wish I was dead"},
		{"ideation", "I wish I'd never been born"},
		{"ideation", "I hope I don't wake up tomorrow"},
		{"ideation", "I hope I don't wake up."},
		{"ideation", "I want to go to sleep and never wake up"},
		{"ideation", "I'd rather be dead"},
		{"ideation", "I'm such a burden to everyone"},
		{"ideation", "I'm tired of being alive"},
		{"ideation", "This is goodbye."},
		{"ideation", "I'm not ready to die. Actually I want to die."},
		{"ideation", "I don't want to die. I want to die."},
		{"ideation", "I might kms"},
		{"ideation", "thinking about how to unalive myself"},
		// Self-harm.
		{"self-harm", "I want to hurt myself"},
		{"self-harm", "I cut myself again last night"},
		{"self-harm", "I've been cutting myself"},
		{"self-harm", "I hurt myself on purpose"},
		{"self-harm", "I burned myself with a lighter"},
		{"self-harm", "self harm urges are back"},
		{"self-harm", "Self-harm urges are back"},
		{"self-harm", "selfharm"},
		{"self-harm", "I thought about slitting my wrists"},
		{"self-harm", "I looked up how to tie a noose"},
		{"self-harm", "I want to jump off a bridge"},
		{"self-harm", "I could just walk into traffic"},
		{"self-harm", "I want to shoot myself"},
		// Overdose intent.
		{"overdose", "I'm going to overdose on purpose"},
		{"overdose", "Thinking I'll OD on purpose"},
		{"overdose", "I want to OD"},
		{"overdose", "I wanna overdose"},
		{"overdose", "I'm going to take all my pills tonight"},
		{"overdose", "I took all of my meds at once"},
		{"overdose", "I've been stockpiling pills"},
		{"overdose", "I have enough fentanyl to not wake up"},
		{"overdose", "I'm going to drink myself to death"},
		{"overdose", "I don't care if I die"},
		{"overdose", "I'm thinking about overdosing"},
		{"overdose", "I overdosed on purpose last year"},
		// Plans and preparation.
		{"plans", "I wrote a suicide note"},
		{"plans", "I wrote a goodbye letter to my kids"},
		{"plans", "I've been giving away all my stuff"},
		{"plans", "I'm putting my affairs in order"},
		{"plans", "I have a plan to end it"},
		// Someone else, and crisis services.
		{"others", "My brother died by suicide two years ago"},
		{"others", "My best friend killed himself in March"},
		{"others", "She took her own life"},
		{"others", "My sponsor talked about suicide"},
		{"others", "We talked about suicide prevention in group"}, // bare "suicide prevention" is flagged
		{"services", "I called 988 last night"},
		{"services", "I texted the crisis line"},
	}
	for _, tt := range tests {
		t.Run(tt.category, func(t *testing.T) { check(t, tt.text, true) })
	}
}

func TestDetectOrdinary(t *testing.T) {
	tests := []string{
		// Idioms and hyperbole.
		"I killed it at work today",
		"This craving is killing me",
		"Drinking was killing me slowly and I knew it",
		"Dead tired after my shift",
		"I'd die for a coffee right now",
		"I'd kill for a cigarette",
		"I'm dying to see my kids this weekend",
		"My phone died during the meeting",
		"We were killing time before group",
		"I nearly killed myself laughing at my sponsor's story",
		"I'm killing myself at work to make rent",
		"I can't do this anymore, this commute is awful",
		"I can't take it anymore, the neighbours are so loud",
		"I wanted to die of embarrassment when I tripped",
		"This cake is to die for",
		// Word boundaries.
		"I need to skill myself up for the new job",
		"I want to upskill myself",
		"I ran 5 kms this morning",
		"Overdosed is not a word I use lightly, overdoses took my cousin",
		// Recovery talk.
		"My sponsor talked about suicide prevention training",
		"Our group is doing a suicide awareness walk next month",
		"I don't want to die from this disease",
		"I don't want to die like my dad did",
		"I do not want to die, that's why I go to meetings",
		"Nobody wants to die from an overdose",
		"I want to die sober, many years from now",
		"I'm not ready to die",
		"My cousin overdosed last year and it still hurts",
		"We practised giving Narcan in case of an overdose",
		"I almost overdosed in 2019 and I'm grateful to be here",
		"I wrote a goodbye letter to alcohol in group today",
		"I'm going to take my life back one day at a time",
		"I need to cut myself some slack",
		"I cut myself off from my old drinking buddies",
		"I cut myself a slice of cake to celebrate 90 days",
		"I'm burning myself out at work",
		"I burned myself cooking dinner",
		"I cut myself shaving",
		"I hurt myself lifting boxes at work",
		"I hurt my back at the gym",
		"I shot myself in the foot by skipping the meeting",
		"I shot myself up for the last time two years ago",
		"I don't want to live in this city anymore",
		"I don't want to live a lie",
		"I don't want to live with my parents",
		"I can't go on the retreat this weekend",
		"I can't go on Saturday but I'll be there Sunday",
		"I take all my pills every morning",
		"I took all of my pills on time this week",
		"I hope I don't wake up late for group",
		"I hope I don't wake up with a hangover ever again",
		"I hope I don't wake up in the middle of the night craving",
		"I don't want to wake up early tomorrow",
		"I don't want to be here tonight, the meeting is boring",
		"There's no reason to live in fear",
		"If your friends told you to jump off a bridge would you",
		"I'm building a life worth living",
		"I want to live",
		"Today was a good day. I went to a meeting, called my sponsor and made dinner.",
		"",
		"   \n\t  ",
		"...!!!???",
	}
	for _, text := range tests {
		check(t, text, false)
	}
}

func TestDetectNormalisation(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"upper case", "I WANT TO KILL MYSELF", true},
		{"mixed case", "kIlL mYsElF", true},
		{"curly apostrophe", "I don’t want to be here anymore", true},
		{"left curly apostrophe", "I don‘t want to be here anymore", true},
		{"modifier apostrophe", "I donʼt want to be here anymore", true},
		{"no apostrophe", "i dont want to be here anymore", true},
		{"do not", "I do not want to be here anymore", true},
		{"cannot", "I cannot go on", true},
		{"can not", "I can not go on", true},
		{"can’t curly", "I can’t go on", true},
		{"line break mid phrase", "I want to kill\nmyself", true},
		{"windows line breaks", "I want to end\r\nmy\r\nlife", true},
		{"blank line mid phrase", "want to\n\ndie", true},
		{"repeated spaces and tabs", "kill   \t  myself", true},
		{"punctuation between words", "kill... myself", true},
		{"comma between words", "kill, myself", true},
		{"hyphen", "self-harm", true},
		{"non-breaking hyphen", "self\u2011harm", true},
		{"two words", "self harm", true},
		{"one word", "SELFHARM", true},
		{"my self", "kill my self", true},
		{"filler word", "kill my fucking self", true},
		{"wanna", "wanna die", true},
		{"gonna", "gonna kms", true},
		{"o.d.", "O.D. on purpose", true},
		{"zero-width space inside word", "ki\u200bll myself", true},
		{"full-width letters", "ｋｉｌｌ ｍｙｓｅｌｆ", true},
		{"emoji between words", "kill 😔 myself", true},
		{"quoted", "\"I want to die\"", true},
		{"skill is not kill", "skill myself", false},
		{"killer is not kill", "killer myself", false},
		{"overdosed is not overdose", "I want to overdosed", false},
		{"overdose alone", "overdose", false},
		{"word split by letters", "k i l l myself", false},
		{"invalid utf-8", "kill \xff\xfe myself", true},
		{"safe phrase across a sentence break", "I can't go on. The meeting was fine", true},
		{"safe phrase across a line break", "I can't go on\nthe end", true},
		{"safe phrase in one sentence", "I can't go on the trip.", false},
		{"trigger outside safe phrase", "I cut myself some slack. Then I cut myself.", true},
		{"safe phrase ends words after the trigger", "hope i dont wake up in the middle", false},
		{"trigger long before a safe phrase", "I want to die. " + strings.Repeat("I cut myself some slack. ", 50), true},
		{"many safe phrases, no trigger", strings.Repeat("I cut myself some slack and I don't want to die. ", 200), false},
		{"long text, phrase at end", strings.Repeat("Went to a meeting and felt okay. ", 300) + "I want to die", true},
		{"overlong word", strings.Repeat("a", 200) + " kill myself", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.text, tt.want) })
	}
}

func TestTokenizer(t *testing.T) {
	tests := []struct {
		text string
		want string // words joined by spaces, "|" before a word after a sentence break
	}{
		{"Don’t  GO", "dont go"},
		{"self-harm", "self harm"},
		{"I'm here. You?\nYes", "im here |you |yes"},
		{"ｈｅｌｌｏ，ｗｏｒｌｄ", "hello world"},
		{"so\u00adft", "soft"},
		{"Ünïcode ÉTÉ", "unicode ete"},
		{"Año SUICIDÉ pingüino", "ano suicide pinguino"},
		{"decomposed e\u0301", "decomposed e"},
		{"a…b", "a |b"},
	}
	for _, tt := range tests {
		tz := tokenizer{s: tt.text}
		var got []string
		for {
			tok, brk, ok := tz.next()
			if !ok {
				break
			}
			w := string(tok)
			if brk {
				w = "|" + w
			}
			got = append(got, w)
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("tokens(%q) = %q, want %q", tt.text, g, tt.want)
		}
	}
}

func TestResources(t *testing.T) {
	english := Resource{
		Name: "988 Suicide & Crisis Lifeline", Phone: "988", SMS: "988", URL: "https://988lifeline.org",
		Language: "en", Instructions: "Call or text 988, or chat at 988lifeline.org. Free and confidential, 24 hours a day.",
	}
	for _, region := range []string{"US", "us", " US ", "", "ZZ", "unknown"} {
		for _, language := range []string{"en", "", "fr"} {
			got := detector.Resources(region, language)
			if fmt.Sprint(got) != fmt.Sprint([]Resource{english}) {
				t.Errorf("Resources(%q, %q) = %+v, want the English line only", region, language, got)
			}
		}
		got := detector.Resources(region, "es")
		if len(got) != 2 || got[0].Language != "es" || got[1] != english {
			t.Fatalf("Resources(%q, es) = %+v, want the Spanish options, then English", region, got)
		}
		es := got[0]
		// The Lifeline's Spanish options: call 988 and press 2, text AYUDA to 988, chat.
		for _, want := range []string{"988 y marca 2", "AYUDA al 988", "chatear en español"} {
			if !strings.Contains(es.Instructions, want) {
				t.Errorf("Spanish instructions %q lack %q", es.Instructions, want)
			}
		}
		if es.Phone != "988" || es.SMS != "988" || es.URL == "" {
			t.Errorf("Spanish resource %+v: want phone and SMS 988 and a web address", es)
		}
	}
	// The caller gets a copy and cannot change the table.
	got := detector.Resources("US", "es")
	got[0].Phone, got[1].Phone = "changed", "changed"
	for _, again := range [][]Resource{detector.Resources("US", "es"), detector.Resources("US", "en")} {
		for _, r := range again {
			if r.Phone != "988" {
				t.Errorf("Resources shares its table with callers: Phone = %q", r.Phone)
			}
		}
	}
}

// buildTables builds the phrase tables, optionally without safe phrases, and
// returns the builder for inspection.
func buildTables(withSafe bool) (*builder, *Detector) {
	b := newBuilder(languages)
	for _, l := range languages {
		if !withSafe {
			l.safe = nil
		}
		b.addLanguage(l)
	}
	return b, b.build()
}

// TestPhraseTables checks every expanded phrase of every language: each
// trigger must be detected on its own, each safe phrase must not be, and
// each safe phrase must really contain a trigger (or it is useless).
func TestPhraseTables(t *testing.T) {
	b, d := buildTables(true)
	_, triggersOnly := buildTables(false)
	if len(languages) == 0 {
		t.Fatal("no language registered")
	}
	triggers, safes := 0, 0
	for text, i := range b.seen {
		p := b.patterns[i]
		if p.safe {
			safes++
			if d.Detect(text) {
				t.Errorf("safe phrase %q (from %q) is detected", text, p.source)
			}
			if !triggersOnly.Detect(text) {
				t.Errorf("safe phrase %q (from %q) contains no trigger", text, p.source)
			}
			continue
		}
		triggers++
		if !d.Detect(text) {
			t.Errorf("trigger %q (from %q) is not detected", text, p.source)
		}
		// One-word triggers are broad, so they must be on this list.
		if p.length == 1 && !oneWordTriggers[text] {
			t.Errorf("trigger %q (from %q) is a single word; add it to oneWordTriggers if meant", text, p.source)
		}
	}
	if triggers < 500 || safes < 100 {
		t.Errorf("only %d trigger and %d safe variants; tables not loaded?", triggers, safes)
	}
}

// oneWordTriggers are the triggers that match a single word.
var oneWordTriggers = map[string]bool{
	"suicide": true, "suicides": true, "suicidal": true, "suicidality": true,
	"sucide": true, "suicde": true, "suiside": true, "sucidal": true, "suicidle": true,
	"sewerslide": true, "unalive": true, "unalived": true, "unaliving": true,
	"selfharm": true, "selfharming": true, "selfinjury": true,
	// Spanish.
	"suicidio": true, "suicidios": true, "suicida": true, "suicidas": true,
	"suicidarme": true, "suicidarse": true, "suicidarte": true, "suicidandome": true,
	"suicido": true, "suicidaria": true, "suicidarnos": true,
	"sucidio": true, "suisidio": true, "suicdio": true, "suisida": true, "sucida": true,
	"cortarme": true, "cortandome": true, "lastimarme": true, "herirme": true,
	"autolesion": true, "autolesiones": true, "autolesionarme": true, "autolesionandome": true,
	"autolesionarse": true, "autolesionarte": true,
	"ahorcarme": true, "ahorcarse": true, "dispararme": true, "envenenarme": true,
	"sobredosificarme": true, "overdosearme": true, "overdosiarme": true, "sobredosearme": true,
}

func TestEveryCategoryHasPhrases(t *testing.T) {
	for _, l := range languages {
		if l.code == "" {
			t.Error("language without code")
		}
		for _, c := range l.categories {
			if c.name == "" || len(c.phrases) == 0 {
				t.Errorf("%s: empty category %q", l.code, c.name)
			}
		}
	}
}

func TestExpandBraces(t *testing.T) {
	got := expandBraces("a {b|c} d {|e}")
	want := []string{"a b d ", "a b d e", "a c d ", "a c d e"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("expandBraces = %q, want %q", got, want)
	}
	for _, bad := range []string{"a {b", "a b}", "a|b", "{a {b}}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("expandBraces(%q) did not panic", bad)
				}
			}()
			expandBraces(bad)
		}()
	}
}

func TestConcurrentDetect(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if i%2 == 0 {
					if !detector.Detect("I want to kill myself") {
						t.Error("concurrent Detect missed a crisis")
						return
					}
				} else if detector.Detect("I killed it at work today") {
					t.Error("concurrent Detect flagged ordinary text")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestDetectDoesNotAllocateOnOrdinaryText(t *testing.T) {
	text := ordinaryText(10000)
	if allocs := testing.AllocsPerRun(20, func() { detector.Detect(text) }); allocs != 0 {
		t.Errorf("Detect allocated %v times per call on ordinary text", allocs)
	}
}

// ordinaryText returns about n characters of everyday recovery journaling,
// with many near-misses ("kill", "die", "myself", "can't go on the ...").
func ordinaryText(n int) string {
	const para = "Today I went to my morning meeting and shared about the craving I had " +
		"last night. It was killing me for an hour, but I called my sponsor instead " +
		"of picking up. She reminded me that I don't want to die from this disease " +
		"and that I can cut myself some slack. I'm dead tired after work; I killed " +
		"it on the project though, and I'd die for a coffee right now. I can't go " +
		"on the retreat this weekend because of my daughter's recital, but I'll take " +
		"all my pills every morning like I'm supposed to and keep going to meetings.\n" +
		"Gratitude list: my kids, my sobriety, ninety days, my home group, the " +
		"people who showed me how to skill myself up at work, and coffee.\n\n"
	var sb strings.Builder
	for sb.Len() < n {
		sb.WriteString(para)
	}
	return sb.String()[:n]
}

func TestOrdinaryTextIsOrdinary(t *testing.T) {
	check(t, ordinaryText(10000), false)
}

func BenchmarkDetect(b *testing.B) {
	text := ordinaryText(10000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if detector.Detect(text) {
			b.Fatal("ordinary text flagged")
		}
	}
}

func BenchmarkNewDetector(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewDetector()
	}
}
