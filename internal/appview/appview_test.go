package appview

import (
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/record"
)

// Expected values printed by Python 3's urllib.parse.quote(s, safe="") and
// re.sub(r"\s+", "", s.lower()), the app's quoting and normalize().
func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Marshall Road, Plympton, Plymouth, PL7 4NW", "Marshall%20Road%2C%20Plympton%2C%20Plymouth%2C%20PL7%204NW"},
		{"a/b?c=d&e", "a%2Fb%3Fc%3Dd%26e"},
		{"Unit 2/3\nSite", "Unit%202%2F3%0ASite"},
		{"café #1", "caf%C3%A9%20%231"},
		{"~_.-", "~_.-"},
		{"100% (site)", "100%25%20%28site%29"},
		{"", ""},
		{" 2 Bar Lane,\n York ", "%202%20Bar%20Lane%2C%0A%20York%20"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompanyID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Flexitricity Ltd.", "flexitricityltd."},
		{"  AXLE ENERGY\u00a0LIMITED ", "axleenergylimited"},
		{"A & B (UK)-Co\tLtd", "a&b(uk)-coltd"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CompanyID(tt.in); got != tt.want {
			t.Errorf("CompanyID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := CompanyURL("a&b(uk)-coltd"); got != "/company-list/a%26b%28uk%29-coltd/" {
		t.Errorf("CompanyURL = %q", got)
	}
}

func TestTitleAndDetailURL(t *testing.T) {
	tests := []struct {
		c          record.Component
		title, url string
	}{
		{record.Component{ID: 7, LocationText: " 2 Bar Lane,\n York ", Location: "2 Bar Lane,\n York"}, " 2 Bar Lane,\n York ", "/location/by-name/%202%20Bar%20Lane%2C%0A%20York%20/"},
		{record.Component{ID: 8, LocationText: "TBC"}, "TBC", "/location/by-name/TBC/"},
		{record.Component{ID: 9, Description: "Hornsea One"}, "Unknown Location", "/component/by-id/9/"},
	}
	for _, tt := range tests {
		if got := Title(&tt.c); got != tt.title {
			t.Errorf("Title(%+v) = %q, want %q", tt.c, got, tt.title)
		}
		if got := DetailURL(&tt.c); got != tt.url {
			t.Errorf("DetailURL(%+v) = %q, want %q", tt.c, got, tt.url)
		}
	}
}

func TestShortDescription(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{"  a\u00a0b  ", "  a\u00a0b  "},
		{strings.Repeat("é", 100), strings.Repeat("é", 100)},
		{strings.Repeat("é", 150), strings.Repeat("é", 100) + "..."},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ShortDescription(tt.in); got != tt.want {
			t.Errorf("ShortDescription(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if y, ok := Year(2024); y != "2024" || !ok {
		t.Errorf("Year(2024) = %q, %v", y, ok)
	}
	if _, ok := Year(0); ok {
		t.Error("Year(0) is known")
	}
}
