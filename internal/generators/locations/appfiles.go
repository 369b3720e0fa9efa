package locations

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
)

// appFiles are the three files the app loads today from its hand-made static
// copies, rebuilt from the register.
type appFiles struct {
	outward map[string][]string // outcode -> distinct location strings, sorted
	counts  map[string]int      // location string -> components
	search  map[string][]string // upper-case 3-character prefix -> location strings, sorted
}

// buildAppFiles derives the three files from the components' location text:
// counts every component by its Location, files each distinct Location under
// the outcode found in it, and indexes every counted Location of at least three
// characters by its upper-cased first three, as the app's own search_index does
// (its values are always keys of location_counts).
func buildAppFiles(comps []record.Component) appFiles {
	f := appFiles{outward: map[string][]string{}, counts: map[string]int{}, search: map[string][]string{}}
	seenOut := map[[2]string]bool{}
	// A site's components often come one after another: a run of one
	// Location (and outcode) is counted and filed once, not hashed per
	// component.
	var run struct {
		loc, outcode string
		n            int
	}
	flush := func() {
		if run.n > 0 {
			f.counts[run.loc] += run.n
		}
	}
	for i := range comps {
		c := &comps[i]
		if c.Location == "" {
			continue
		}
		if run.n > 0 && c.Location == run.loc && c.Outcode == run.outcode {
			run.n++
			continue
		}
		flush()
		run.loc, run.outcode, run.n = c.Location, c.Outcode, 1
		oc := strings.ToUpper(strings.TrimSpace(c.Outcode))
		if oc == "" {
			continue
		}
		k := [2]string{oc, c.Location}
		if !seenOut[k] {
			seenOut[k] = true
			f.outward[oc] = append(f.outward[oc], c.Location)
		}
	}
	flush()
	for loc := range f.counts {
		if p, ok := searchPrefix(loc); ok {
			f.search[p] = append(f.search[p], loc)
		}
	}
	for _, m := range []map[string][]string{f.outward, f.search} {
		for _, v := range m {
			sort.Strings(v)
		}
	}
	return f
}

// searchPrefix is the app's search_index key: the first three characters,
// upper-cased. Shorter strings are not indexed.
func searchPrefix(s string) (string, bool) {
	n, i := 0, 0
	for i < len(s) && n < 3 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	if n < 3 {
		return "", false
	}
	return strings.ToUpper(s[:i]), true
}

func writeAppFiles(comps []record.Component, w *writer.Writer, s *Summary) error {
	f := buildAppFiles(comps)
	s.Outcodes, s.Locations, s.Prefixes = len(f.outward), len(f.counts), len(f.search)
	files := []struct {
		name string
		data []byte
	}{
		{OutwardLocationsName, encodeStringLists(f.outward)},
		{LocationCountsName, encodeCounts(f.counts)},
		{SearchIndexName, encodeStringLists(f.search)},
	}
	for _, file := range files {
		// The app's web processes load the three files at start-up
		// (checker/services/location_search_static.py, through prebake's
		// read_json, which asks for gzip); no browser is sent them: gzip only
		// (writer.ServerCodecs).
		if _, err := w.WriteAsset(file.name, file.data, writer.Meta{ContentType: "application/json", ServerOnly: true}); err != nil {
			return fmt.Errorf("locations: writing %s: %w", file.name, err)
		}
	}
	return nil
}

// encodeStringLists writes {"key":["a","b"],...} with sorted keys, in the byte
// style of the app's files (Python's json.dumps with separators=(',',':')).
func encodeStringLists(m map[string][]string) []byte {
	b := []byte{'{'}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPyString(b, k)
		b = append(b, ':', '[')
		for j, v := range m[k] {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendPyString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func encodeCounts(m map[string]int) []byte {
	b := []byte{'{'}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPyString(b, k)
		b = append(b, ':')
		b = fmt.Appendf(b, "%d", m[k])
	}
	return append(b, '}')
}

// appendPyString quotes s as Python's json.dumps does by default (ensure_ascii):
// everything outside printable ASCII (DEL included) as \uXXXX (surrogate pairs beyond the
// BMP), so the files compare byte for byte in style with the app's. Invalid
// UTF-8 becomes U+FFFD.
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u4 := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	b = append(b, '"')
	// Runs of printable ASCII other than " and \ are copied whole (most
	// location texts are nothing else); every other character is escaped.
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default: // other controls and DEL
				b = u4(b, rune(c))
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:]) // invalid UTF-8: U+FFFD, one byte
			if r < 0x10000 {
				b = u4(b, r)
			} else {
				r -= 0x10000
				b = u4(b, 0xd800+(r>>10))
				b = u4(b, 0xdc00+(r&0x3ff))
			}
			i += size
		}
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
