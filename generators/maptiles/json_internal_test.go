package maptiles

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`quote " and \ backslash`, `quote " and \ backslash`},
		{"tab\tnewline\ncr\r bell\x07", "tab\tnewline\ncr\r bell\x07"},
		{"<b>&amp;</b>", "<b>&amp;</b>"},
		{"bad \xff byte", "bad \ufffd byte"},
		{"line\u2028sep\u2029", "line\u2028sep\u2029"},
		{"Ynys Môn 🌬", "Ynys Môn 🌬"},
	}
	for _, tt := range tests {
		b := appendString(nil, tt.in)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("appendString(%q) = %s: not JSON: %v", tt.in, b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("appendString(%q) reads back as %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(string(b), "\u2028\u2029") {
			t.Errorf("appendString(%q) = %s keeps a raw line separator", tt.in, b)
		}
	}
}

// TestURLQuote compares with Python's urllib.parse.quote, which the app uses.
func TestURLQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Marshall Road, Plympton, Plymouth, PL7 4NW", "Marshall%20Road%2C%20Plympton%2C%20Plymouth%2C%20PL7%204NW"},
		{"a/b?c=d&e", "a/b%3Fc%3Dd%26e"},
		{"café #1", "caf%C3%A9%20%231"},
		{"~_.-", "~_.-"},
		{"100% (site)", "100%25%20%28site%29"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := urlQuote(tt.in); got != tt.want {
			t.Errorf("urlQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAbbreviated follows SuperCluster's getClusterProperties.
func TestAbbreviated(t *testing.T) {
	tests := []struct {
		count int
		want  string
	}{
		{1, "1"}, {999, "999"}, {1000, `"1k"`}, {1249, `"1.2k"`}, {1250, `"1.3k"`},
		{9949, `"9.9k"`}, {9950, `"10k"`}, {10000, `"10k"`}, {15500, `"16k"`}, {123456, `"123k"`},
	}
	for _, tt := range tests {
		if got := string(appendAbbreviated(nil, tt.count)); got != tt.want {
			t.Errorf("appendAbbreviated(%d) = %s, want %s", tt.count, got, tt.want)
		}
	}
}

func TestTruncateRunes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 100, "short"},
		{strings.Repeat("é", 150), 100, strings.Repeat("é", 100)},
		{strings.Repeat("a", 100), 100, strings.Repeat("a", 100)},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := truncateRunes(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateRunes(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestLayerName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DSR", "DSR"}, {"Interconnector", "Interconnector"}, {"../etc", "___etc"},
		{"a/b\\c", "a_b_c"}, {"", "_"}, {".", "_"}, {"Gas turbine", "Gas_turbine"},
	}
	for _, tt := range tests {
		if got := LayerName(tt.in); got != tt.want {
			t.Errorf("LayerName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
