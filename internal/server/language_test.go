package server_test

// The member's language (English or Spanish): set from their first device, changed with
// setLanguage; it chooses the crisis resources' order, the consent text (recorded with the
// consent and shown in the export) and the disclosure notice. Spanish crisis language is
// marked for the facilitators whatever the language.

import (
	"strings"
	"testing"
)

const languageDoc = `query { viewer { language } }`

const setLanguageDoc = `mutation($l: String!) { setLanguage(language: $l) { language } }`

const resourcesFields = `crisisResources { name phone sms url language instructions }`

func TestLanguageFromFirstDeviceAndSetting(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		es, en := h.Member("rosa"), h.Member("joe")
		if got := es.MustRaw(languageDoc, "", nil).Str("viewer.language"); got != "en" {
			t.Fatalf("before any device: language %q, want en", got)
		}
		registerDevice(es, "tok-rosa-1", "ANDROID", "es-MX")
		registerDevice(es, "tok-rosa-2", "IOS", "en-US") // a second device does not change it
		registerDevice(en, "tok-joe-1", "IOS", "en-US")
		if got := es.MustRaw(languageDoc, "", nil).Str("viewer.language"); got != "es" {
			t.Fatalf("first device es-MX: language %q, want es", got)
		}
		if got := en.MustRaw(languageDoc, "", nil).Str("viewer.language"); got != "en" {
			t.Fatalf("first device en-US: language %q, want en", got)
		}
		if got := en.MustRaw(setLanguageDoc, "", map[string]any{"l": "es"}).Str("setLanguage.language"); got != "es" {
			t.Fatalf("setLanguage es: %q", got)
		}
		// A device registered after the member chose keeps their choice.
		registerDevice(en, "tok-joe-2", "ANDROID", "en-GB")
		if got := en.MustRaw(languageDoc, "", nil).Str("viewer.language"); got != "es" {
			t.Fatalf("after choosing es: language %q", got)
		}
		for _, bad := range []string{"fr", "ES", "es-MX", "", "english"} {
			rejectedNaming(t, en.Raw(setLanguageDoc, "", map[string]any{"l": bad}), "language")
		}
		if got := en.MustRaw(languageDoc, "", nil).Str("viewer.language"); got != "es" {
			t.Fatalf("a refused setLanguage changed the language to %q", got)
		}
	})
}

func TestLanguageCrisisResources(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		create := func(c *Client, body string) *Resp {
			return c.MustRaw(`mutation($in: CreateReflectionInput!) { createReflection(input: $in) { reflection { id } `+resourcesFields+` } }`,
				"", map[string]any{"in": reflectionInput(g.ID, "GROUP", body)})
		}
		update := func(c *Client, id, body string) *Resp {
			return c.MustRaw(`mutation($id: ID!, $in: UpdateReflectionInput!) { updateReflection(id: $id, expectedVersion: 1, input: $in) { `+resourcesFields+` } }`,
				"", map[string]any{"id": id, "in": map[string]any{"body": body}})
		}
		attention := func(id string) any {
			r := g.Therapist.MustRaw(`query($id: ID!) { node(id: $id) { ... on Reflection { needsAttention } } }`, "", map[string]any{"id": id})
			return r.Get("node.needsAttention")
		}
		spanishFirst := func(r *Resp, path string) {
			t.Helper()
			if r.Str(path+".0.language") != "es" || r.Str(path+".1.language") != "en" || r.Str(path+".0.phone") != "988" || r.Str(path+".0.sms") != "988" {
				t.Fatalf("want the Spanish options first, then English: %s", r.Raw)
			}
			for _, want := range []string{"marca 2", "AYUDA"} {
				if !strings.Contains(r.Str(path+".0.instructions"), want) {
					t.Fatalf("Spanish instructions lack %q: %s", want, r.Raw)
				}
			}
		}
		// Ann's language is English (no device): Spanish words still bring the Spanish options.
		r := create(g.A, "Ya no quiero vivir, no sé qué hacer.")
		spanishFirst(r, "createReflection.crisisResources")
		if id := r.Str("createReflection.reflection.id"); attention(id) != true {
			t.Fatal("Spanish crisis language: the facilitator must see the attention mark")
		}
		// English crisis language from an English reader: the English line only.
		r = create(g.A, "I want to end my life.")
		if n := len(r.Get("createReflection.crisisResources").([]any)); n != 1 || r.Str("createReflection.crisisResources.0.language") != "en" {
			t.Fatalf("English: want the English line only: %s", r.Raw)
		}
		// A Spanish-speaking member gets the Spanish options first for English words too.
		g.B.MustRaw(setLanguageDoc, "", map[string]any{"l": "es"})
		spanishFirst(create(g.B, "I want to die"), "createReflection.crisisResources")
		// Harmless idioms: no resources, no mark; an edit into crisis language: both.
		for i, idiom := range []string{"Me muero de risa con mi madrina.", "Me mata el tráfico, pero llegué a la junta.", "Me corté el pelo y me siento bien."} {
			r := create(g.B, idiom)
			if n := len(r.Get("createReflection.crisisResources").([]any)); n != 0 {
				t.Fatalf("idiom %q: want no resources: %s", idiom, r.Raw)
			}
			id := r.Str("createReflection.reflection.id")
			if attention(id) != false {
				t.Fatalf("idiom %q marked for attention", idiom)
			}
			if i == 0 { // the first one is edited into crisis language
				u := update(g.B, id, "Me quiero quitar la vida.")
				spanishFirst(u, "updateReflection.crisisResources")
				if attention(id) != true {
					t.Fatal("an edit into Spanish crisis language must mark the reflection")
				}
			}
		}
	})
}

func TestLanguageConsentAndNotice(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		c := h.Member("lupe")
		c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Lupe"}})
		registerDevice(c, "tok-lupe", "ANDROID", "es-US")
		textDoc := `query($id: ID!) { node(id: $id) { ... on Group { sharingConsentText { version language text } viewerSharingConsent { textVersion textLanguage } } } }`
		r := c.MustRaw(textDoc, "", map[string]any{"id": g.ID})
		text := r.Str("node.sharingConsentText.text")
		if r.Str("node.sharingConsentText.language") != "es" || r.Num("node.sharingConsentText.version") != 1 {
			t.Fatalf("consent text for a Spanish member: %s", r.Raw)
		}
		for _, want := range []string{"Yo, Lupe, autorizo a mi programa de tratamiento", `el grupo "Tuesday Group"`, "revocar", "Fecha: "} {
			if !strings.Contains(text, want) {
				t.Fatalf("Spanish consent text lacks %q: %s", want, text)
			}
		}
		grant := `mutation($in: GrantGroupSharingConsentInput!) { grantGroupSharingConsent(input: $in) { textVersion textLanguage } }`
		rejectedNaming(t, c.Raw(grant, "", map[string]any{"in": map[string]any{"groupID": g.ID, "textVersion": 1, "textLanguage": "fr"}}), "textLanguage")
		if r := c.Raw(grant, "", map[string]any{"in": map[string]any{"groupID": g.ID, "textVersion": 2, "textLanguage": "es"}}); r.Code() != "CONFLICT" {
			t.Fatalf("a version the Spanish text does not have: want CONFLICT, got %s", r.Raw)
		}
		if got := c.MustRaw(textDoc, "", map[string]any{"id": g.ID}).Get("node.viewerSharingConsent"); got != nil {
			t.Fatalf("refused grants recorded a consent: %v", got)
		}
		// Without textLanguage, the consent is to the text the member was shown: Spanish.
		r = c.MustRaw(grant, "", map[string]any{"in": map[string]any{"groupID": g.ID, "textVersion": 1}})
		if r.Str("grantGroupSharingConsent.textLanguage") != "es" || r.Num("grantGroupSharingConsent.textVersion") != 1 {
			t.Fatalf("consent record: %s", r.Raw)
		}
		export := c.MustOp("ExportMyData", nil).Str("exportMyData.data")
		if !strings.Contains(export, `"textVersion":1,"textLanguage":"es"`) {
			t.Fatalf("the export does not show the consent's language: %s", export)
		}
		// English members' consents say English.
		if r := g.A.MustRaw(textDoc, "", map[string]any{"id": g.ID}); r.Str("node.viewerSharingConsent.textLanguage") != "en" || r.Str("node.sharingConsentText.language") != "en" {
			t.Fatalf("English member: %s", r.Raw)
		}
		// The disclosure notice follows the reader's language.
		id := g.Reflect(g.A, "GROUP", "Went to a meeting today.")
		notice := func(reader *Client) string {
			return reader.MustOp("ReflectionDisclosureNotice", map[string]any{"id": id}).Str("node.disclosureNotice")
		}
		if n := notice(c); !strings.Contains(n, "42 CFR parte 2 prohíbe") {
			t.Fatalf("Spanish reader's notice: %q", n)
		}
		if n := notice(g.B); !strings.Contains(n, "42 CFR part 2 prohibits") {
			t.Fatalf("English reader's notice: %q", n)
		}
	})
}
