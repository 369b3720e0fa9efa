package table

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// TestTruncateBounds: page-index string bounds are cut on a UTF-8 character
// boundary and still bound the value (min <= value <= max, bytewise, which is
// UTF-8 code point order). The right values follow parquet-java's
// BinaryTruncator (truncateMin: longest valid prefix; truncateMax: longest
// valid prefix with its last code point incremented).
func TestTruncateBounds(t *testing.T) {
	cases := []struct {
		value, min, max string
	}{
		{"short", "short", "short"},
		{"exactly sixteen!", "exactly sixteen!", "exactly sixteen!"},
		{"aaaaaaaaaaaaaaaé and more", "aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaab"},            // é straddles byte 16
		{"aaaaaaaaaaaaaaéé", "aaaaaaaaaaaaaaé", "aaaaaaaaaaaaaaê"},                     // 17 bytes: é ends at 16, the next is cut
		{"aaaaaaaaaaaaaa€x", "aaaaaaaaaaaaaa", "aaaaaaaaaaaaab"},                       // a 3-byte € straddles
		{"aaaaaaaaaaaaa😀x", "aaaaaaaaaaaaa", "aaaaaaaaaaaab"},                          // a 4-byte emoji straddles
		{"aaaaaaaaaaaaaaa\x7fz", "aaaaaaaaaaaaaaa\x7f", "aaaaaaaaaaaaaab"},             // DEL+1 = U+0080 needs 2 bytes: no room, the a before is incremented
		{"aaaaaaaaaaaa\U0010FFFF\U0010FFFF", "aaaaaaaaaaaa\U0010FFFF", "aaaaaaaaaaab"}, // the last code point cannot grow
		{"aaaaaaaaaaaaa\ud7ffbb", "aaaaaaaaaaaaa\ud7ff", "aaaaaaaaaaaaa\ue000"},        // U+D7FF+1 skips the surrogates
		{"\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF", "\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF", "\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF"}, // nothing to increment: kept whole
	}
	for _, tc := range cases {
		lo, hi := string(truncateMin([]byte(tc.value), PageIndexTruncate)), string(truncateMax([]byte(tc.value), PageIndexTruncate))
		if lo != tc.min || hi != tc.max {
			t.Errorf("%q: min %q max %q, want %q and %q", tc.value, lo, hi, tc.min, tc.max)
		}
		if !utf8.ValidString(lo) || !utf8.ValidString(hi) || (len(lo) > PageIndexTruncate) || (hi != tc.value && len(hi) > PageIndexTruncate) {
			t.Errorf("%q: bounds %q, %q invalid UTF-8 or too long", tc.value, lo, hi)
		}
		if bytes.Compare([]byte(lo), []byte(tc.value)) > 0 || bytes.Compare([]byte(hi), []byte(tc.value)) < 0 {
			t.Errorf("%q: bounds %q..%q do not contain it", tc.value, lo, hi)
		}
	}
}
