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
}

// defaultRegion is used for an empty or unknown region.
const defaultRegion = "US"

// resourcesByRegion maps an upper-case ISO 3166-1 alpha-2 region code to the
// crisis lines for that region. Add a region only with numbers checked
// against the service's own published details.
var resourcesByRegion = map[string][]Resource{
	"US": {{
		Name:  "988 Suicide & Crisis Lifeline",
		Phone: "988",
		SMS:   "988",
		URL:   "https://988lifeline.org",
	}},
}

// Resources returns the crisis lines for a region, given as a two-letter
// country code such as "US" (case and surrounding spaces do not matter).
// An empty or unknown region gets the US lines. The returned slice is a new
// copy that the caller may change.
func (d *Detector) Resources(region string) []Resource {
	list, ok := resourcesByRegion[strings.ToUpper(strings.TrimSpace(region))]
	if !ok {
		list = resourcesByRegion[defaultRegion]
	}
	return append([]Resource(nil), list...)
}
