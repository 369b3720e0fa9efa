package audit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/apprules"
)

// Family is one kind of entry in the app's Redis cache: how its key body (the
// key without Django's "<KEY_PREFIX>:<version>:") is recognised, where the app
// builds it, and which of prebake's outputs replace it.
type Family struct {
	// Name is the key as the app's docs write it, e.g. "map_data_<md5>".
	Name string
	// Exact, when set, is the whole key body. Otherwise Prefix starts the body
	// and Rest, when set, must accept what follows it.
	Exact  string
	Prefix string
	Rest   func(string) bool
	// Source says where the app builds the key (file and function of the
	// app's repository, or "Django" for the framework's own keys), and the TTL
	// it sets.
	Source string
	// ReplacedBy lists outputs of a bake as "<section>:<logical name>", the
	// section being a key of manifest.json ("assets", "tilesets",
	// "shardsets"); a trailing "/*" matches every name under that prefix. Any
	// one present in a manifest means the bake replaces the family. Empty: no
	// output of prebake replaces it.
	ReplacedBy []string
	// Note qualifies the replacement, or says why there is none.
	Note string
}

// Families is the app's cache, family by family, from its live code
// (repository daveyboyc/cm-search; the table in ../shared/docs/app-integration.md),
// read from internal/apprules/cache_families.json, the one table the Django
// cache backend (prebake.django.cache) reads too. Classify tries exact names
// first, then prefixes in this order, so a longer prefix must come before a
// shorter one it starts with.
var Families = mustFamilies()

func mustFamilies() []Family {
	table, err := apprules.CacheFamilies()
	if err != nil {
		panic(err) // the embedded file is checked by apprules' tests
	}
	out := make([]Family, len(table))
	for i, f := range table {
		out[i] = Family{Name: f.Name, Exact: f.Exact, Prefix: f.Prefix, Source: f.Source, ReplacedBy: f.ReplacedBy, Note: f.Note}
		switch f.Rest {
		case apprules.RestMD5:
			out[i].Rest = isMD5
		case apprules.RestDigits:
			out[i].Rest = isDigits
		}
	}
	return out
}

var exactFamilies = func() map[string]int {
	m := map[string]int{}
	for i, f := range Families {
		if f.Exact != "" {
			m[f.Exact] = i
		}
	}
	return m
}()

// family returns the index in Families of the family of a key body, or -1.
func family(body string) int {
	if i, ok := exactFamilies[body]; ok {
		return i
	}
	for i, f := range Families {
		if f.Exact == "" && strings.HasPrefix(body, f.Prefix) && (f.Rest == nil || f.Rest(body[len(f.Prefix):])) {
			return i
		}
	}
	return -1
}

// DjangoKey splits a Redis key written by Django's cache API into its version
// and body. Django's default KEY_FUNCTION (django.core.cache.backends.base.
// default_key_func, used by django-redis and by Django's own RedisCache) makes
// "%s:%s:%s" % (KEY_PREFIX, version, key) with an int version, so with the
// default empty KEY_PREFIX the app's cmu_dataframe_v1 is
// ":1:cmu_dataframe_v1". The version is written as Python's str(int) writes
// a non-negative number: no sign, no leading zero, so ":001:x" or ":+1:x" is
// no key Django wrote, only one that looks like it. ok is false for keys that
// do not have this exact form (other programs' keys, another KEY_PREFIX).
func DjangoKey(key, keyPrefix string) (version int, body string, ok bool) {
	rest, found := strings.CutPrefix(key, keyPrefix+":")
	if !found {
		return 0, "", false
	}
	v, body, found := strings.Cut(rest, ":")
	if !found || v == "" || len(v) > 9 || !isDigits(v) || (len(v) > 1 && v[0] == '0') {
		return 0, "", false
	}
	n, _ := strconv.Atoi(v)
	return n, body, true
}

// MaxShape is the most bytes of a shape kept: Redis keys may be up to 512 MB,
// and a family name is a line of a report (longer shapes are cut here and end
// in "…", so keys sharing their first MaxShape bytes of shape group together).
const MaxShape = 100

// Shape names the pattern of a key no family knows: runs of digits become
// "<n>", UUIDs "<uuid>", and words of at least four hexadecimal digits holding
// a digit (hashes, ids) "<hex>", so "celery-task-meta-<uuid>" or
// "search_results_<n>" group keys that differ only in their ids. Words are
// split at any character that is not a letter or digit. Control bytes and
// bytes that are not UTF-8 are written as \xNN, other characters that are not
// printable (unicode.IsPrint: bidirectional overrides, zero-width and format
// characters) as \u{NNNN} (keys are binary-safe; a name is printed to a
// terminal and put in JSON), and the shape is cut at MaxShape bytes.
func Shape(key string) string {
	var b strings.Builder
	i := 0
	for i < len(key) && b.Len() <= MaxShape {
		if !isAlnum(key[i]) {
			r, n := utf8.DecodeRuneInString(key[i:])
			if (r == utf8.RuneError && n <= 1) || r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, key[i])
				i++
				continue
			}
			if !unicode.IsPrint(r) && r != ' ' {
				// Format and control characters (right-to-left overrides,
				// zero-width joiners, line separators) would rearrange or hide
				// what a terminal shows: written as \u{NNNN}.
				fmt.Fprintf(&b, `\u{%04x}`, r)
				i += n
				continue
			}
			b.WriteString(key[i : i+n])
			i += n
			continue
		}
		if n := uuidAt(key[i:]); n > 0 {
			b.WriteString("<uuid>")
			i += n
			continue
		}
		j := i
		for j < len(key) && isAlnum(key[j]) {
			j++
		}
		writeWordShape(&b, key[i:j])
		i = j
	}
	if b.Len() <= MaxShape && i == len(key) {
		return b.String()
	}
	s := b.String()[:MaxShape]
	for !utf8.ValidString(s) { // the builder holds UTF-8: drop a rune cut in two
		s = s[:len(s)-1]
	}
	return s + "…"
}

func writeWordShape(b *strings.Builder, w string) {
	switch {
	case isDigits(w):
		b.WriteString("<n>")
	case len(w) >= 4 && isHex(w):
		b.WriteString("<hex>")
	default:
		for i := 0; i < len(w); {
			if w[i] >= '0' && w[i] <= '9' {
				for i < len(w) && w[i] >= '0' && w[i] <= '9' {
					i++
				}
				b.WriteString("<n>")
				continue
			}
			b.WriteByte(w[i])
			i++
		}
	}
}

// uuidAt returns 36 when s starts with a UUID (8-4-4-4-12 hex digits) that is
// not followed by another letter or digit, else 0.
func uuidAt(s string) int {
	if len(s) < 36 || (len(s) > 36 && isAlnum(s[36])) {
		return 0
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return 0
			}
		default:
			if !isHexDigit(s[i]) {
				return 0
			}
		}
	}
	return 36
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isHex is true for hexadecimal words holding at least one digit (so that
// English words such as "face" or "dead" keep their letters).
func isHex(s string) bool {
	digit := false
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
		digit = digit || s[i] <= '9'
	}
	return digit
}

// isMD5 accepts hashlib.md5(...).hexdigest(): 32 lower-case hex digits.
func isMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}
