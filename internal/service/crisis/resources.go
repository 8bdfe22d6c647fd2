package crisis

import "strings"

// Resource is one crisis line shown to a member. An empty field means that
// way of reaching the line is not available.
type Resource struct {
	// Name is the name of the service as shown to the member.
	Name string
	// Phone is the number to call.
	Phone string
	// SMS is the number to send a text message to.
	SMS string
	// URL is the service's web address, with chat or more help.
	URL string
	// Language is the language (ISO 639-1) the service answers in this way
	// and the instructions are written in.
	Language string
	// Instructions say, in Language, what to do to reach the service in
	// that language ("call 988 and press 2").
	Instructions string
}

// defaultRegion is used for an empty or unknown region.
const defaultRegion = "US"

// resourcesByRegion maps an upper-case ISO 3166-1 alpha-2 region code to the
// crisis lines for that region, one entry per language, the region's main
// language first. Add a region only with numbers checked against the
// service's own published details.
//
// The 988 Lifeline answers in Spanish by phone (call 988, then press 2), by
// text (text AYUDA to 988) and by chat (from its web site); English calls,
// texts and chats reach it directly.
var resourcesByRegion = map[string][]Resource{
	"US": {{
		Name:         "988 Suicide & Crisis Lifeline",
		Phone:        "988",
		SMS:          "988",
		URL:          "https://988lifeline.org",
		Language:     "en",
		Instructions: "Call or text 988, or chat at 988lifeline.org. Free and confidential, 24 hours a day.",
	}, {
		Name:         "988 Lifeline en español",
		Phone:        "988",
		SMS:          "988",
		URL:          "https://988lifeline.org",
		Language:     "es",
		Instructions: "Llama al 988 y marca 2 para hablar en español. O envía un mensaje de texto con la palabra AYUDA al 988. También puedes chatear en español desde 988lifeline.org. Es gratis y confidencial, las 24 horas.",
	}},
}

// Resources returns the crisis lines for a region, given as a two-letter
// country code such as "US" (case and surrounding spaces do not matter), for
// a person who reads language ("en", "es"). The lines in that language come
// first; other languages follow only when the person's language is not the
// region's main one, so that an English reader sees the one line, and a
// Spanish reader the Spanish options first and the English line after them.
// An empty or unknown region gets the US lines, an empty or unknown language
// the region's main one. The returned slice is a new copy that the caller
// may change.
func (d *Detector) Resources(region, language string) []Resource {
	list, ok := resourcesByRegion[strings.ToUpper(strings.TrimSpace(region))]
	if !ok {
		list = resourcesByRegion[defaultRegion]
	}
	main := list[0].Language
	out := make([]Resource, 0, len(list))
	for _, r := range list {
		if r.Language == language {
			out = append(out, r)
		}
	}
	if len(out) == 0 || language == main {
		return append(out[:0], list[0])
	}
	for _, r := range list {
		if r.Language != language {
			out = append(out, r)
		}
	}
	return out
}
