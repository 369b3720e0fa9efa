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
