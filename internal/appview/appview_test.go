package appview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/apprules"
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

func TestNormalizeCompanyID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Flexitricity Ltd.", "flexitricityltd."},
		{"  AXLE ENERGY\u00a0LIMITED ", "axleenergylimited"},
		{"A & B (UK)-Co\tLtd", "a&b(uk)-coltd"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
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

// TestNormalize: the app's normalize(), "".join(text.lower().split()); every
// want is CPython 3.11's output for the input.
func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Flexitricity Ltd.", "flexitricityltd."},
		{"FLEXITRICITY  LTD", "flexitricityltd"},
		{"  E.ON UK plc ", "e.onukplc"},
		{"Ørsted A/S", "ørsteda/s"},
		{"T_ABC-1", "t_abc-1"},
		{"SSE (Generation) & Co.", "sse(generation)&co."},
		{"A\tB\nC\u00a0D\u2003E\u3000F", "abcdef"},
		{"x\x1cy\x1dz\x1e\x1fw", "xyzw"},
		{"x\u200bY", "x\u200by"}, // zero-width space is not white space in Python
		{"\u0085NEL", "nel"},
		{"İSTANBUL ENERJİ", "i\u0307stanbulenerji\u0307"},
		{"ΟΔΟΣ ΑΒ", "οδοςαβ"},
		{"ΟΔΟΣ", "οδος"},
		{"Σ", "σ"},
		{"AΣ.", "aς."},
		{"ΑΣ'Α", "ασ'α"},
		{"N/A", "n/a"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStrip: Python's str.strip(); every want is CPython 3.11's output.
func TestStrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  ABC1 ", "ABC1"},
		{"\x1c N/A \u00a0", "N/A"},
		{"\u0085T ABC\t\n", "T ABC"},
		{"\u200bx\u200b", "\u200bx\u200b"}, // zero-width space is not white space in Python
		{"\u3000", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Strip(tt.in); got != tt.want {
			t.Errorf("Strip(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFollowsAppRules: Quote keeps exactly the bytes app_rules.json says
// (ASCII letters, digits, quote_safe) and escapes every other byte as %XX;
// the URLs are the file's templates; ShortDescription cuts at description_max.
func TestFollowsAppRules(t *testing.T) {
	r := apprules.App
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		keep := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(r.QuoteSafe, byte(c)) >= 0
		want := fmt.Sprintf("%%%02X", c)
		if keep {
			want = s
		}
		if got := Quote(s); got != want {
			t.Errorf("Quote(%q) = %q, want %q", s, got, want)
		}
	}
	if got, want := LocationURL("a b"), strings.Replace(r.URLTemplates.Location, "{location}", "a%20b", 1); got != want {
		t.Errorf("LocationURL = %q, want %q", got, want)
	}
	if got, want := CompanyURL("a/b"), strings.Replace(r.URLTemplates.Company, "{company_id}", "a%2Fb", 1); got != want {
		t.Errorf("CompanyURL = %q, want %q", got, want)
	}
	if got, want := DetailURL(&record.Component{ID: 42}), strings.Replace(r.URLTemplates.Component, "{id}", "42", 1); got != want {
		t.Errorf("DetailURL = %q, want %q", got, want)
	}
	if got := Title(&record.Component{}); got != r.UnknownLocation {
		t.Errorf("Title = %q, want %q", got, r.UnknownLocation)
	}
	long := strings.Repeat("é", r.DescriptionMax+1)
	if got := ShortDescription(long); got != strings.Repeat("é", r.DescriptionMax)+"..." {
		t.Errorf("ShortDescription cuts at %d characters, want %d", len([]rune(got))-3, r.DescriptionMax)
	}
	if got := ShortDescription(long[:len(long)-2]); got != long[:len(long)-2] {
		t.Errorf("ShortDescription cut a text of description_max characters")
	}
}
