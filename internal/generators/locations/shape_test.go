package locations

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// shapeOf is the JSON type signature of v, decoded with UseNumber: for example
// "object<array<string>>" or "object<int>". Objects and arrays show the union of
// their members' shapes, so one odd value anywhere changes the signature.
func shapeOf(v any) string {
	union := func(kids map[string]bool) string {
		s := make([]string, 0, len(kids))
		for k := range kids {
			s = append(s, k)
		}
		sort.Strings(s)
		return strings.Join(s, "|")
	}
	switch v := v.(type) {
	case map[string]any:
		kids := map[string]bool{}
		for _, x := range v {
			kids[shapeOf(x)] = true
		}
		return "object<" + union(kids) + ">"
	case []any:
		kids := map[string]bool{}
		for _, x := range v {
			kids[shapeOf(x)] = true
		}
		return "array<" + union(kids) + ">"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "int"
		}
		return "float"
	case string:
		return "string"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "?"
}

func decodeAny(t *testing.T, name string, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// appSet is the three files decoded.
type appSet struct {
	outward map[string][]string
	counts  map[string]int
	search  map[string][]string
}

func decodeAppSet(t *testing.T, outward, counts, search []byte) appSet {
	return appSet{
		outward: decode[map[string][]string](t, "outward_locations", outward),
		counts:  decode[map[string]int](t, "location_counts", counts),
		search:  decode[map[string][]string](t, "search_index", search),
	}
}

var outcodeRe = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?$`)

// invariants are candidate rules about the three files. The test does not
// assume any of them: it keeps those the app's own files obey and requires ours
// to obey the same.
var invariants = []struct {
	name   string
	holds  func(a appSet) bool
	report bool // only reported: a rule of how the app built its lists, not of their shape
}{
	{"outward keys are upper-case outcodes", func(a appSet) bool {
		return allKeys(a.outward, func(k string) bool { return outcodeRe.MatchString(k) })
	}, false},
	{"outward lists are not empty", func(a appSet) bool {
		return allLists(a.outward, func(k string, v []string) bool { return len(v) > 0 })
	}, false},
	{"outward lists have no repeats", func(a appSet) bool {
		return allLists(a.outward, func(k string, v []string) bool { return noRepeats(v) })
	}, false},
	// The app matched outcodes as substrings; we file a location under the
	// outcode its postcode is in, reading "P018" as PO18 and "OL 12" as OL12,
	// so only the looser rule below is required (see README).
	{"outward key appears in each of its locations (upper-cased)", func(a appSet) bool {
		return allItems(a.outward, func(k, v string) bool { return strings.Contains(strings.ToUpper(v), k) })
	}, true},
	{"outward key appears in each of its locations (upper-cased, spaces dropped, 0 read as O)", func(a appSet) bool {
		return allItems(a.outward, func(k, v string) bool { return strings.Contains(foldOutcode(v), foldOutcode(k)) })
	}, false},
	{"each location is under one outward key only", func(a appSet) bool {
		seen := map[string]string{}
		return allItems(a.outward, func(k, v string) bool {
			if o, ok := seen[v]; ok && o != k {
				return false
			}
			seen[v] = k
			return true
		})
	}, false},
	{"outward locations are keys of location_counts", func(a appSet) bool {
		return allItems(a.outward, func(k, v string) bool { _, ok := a.counts[v]; return ok })
	}, false},
	{"location_counts keys are not empty", func(a appSet) bool {
		return allKeys(a.counts, func(k string) bool { return k != "" })
	}, false},
	{"location_counts keys are trimmed", func(a appSet) bool {
		return allKeys(a.counts, func(k string) bool { return k == strings.TrimSpace(k) })
	}, false},
	{"location_counts values are at least 1", func(a appSet) bool {
		for _, n := range a.counts {
			if n < 1 {
				return false
			}
		}
		return true
	}, false},
	{"search keys are 3 characters", func(a appSet) bool {
		return allKeys(a.search, func(k string) bool { return utf8.RuneCountInString(k) == 3 })
	}, false},
	{"search keys are upper-case", func(a appSet) bool {
		return allKeys(a.search, func(k string) bool { return k == strings.ToUpper(k) })
	}, false},
	{"search lists are not empty", func(a appSet) bool {
		return allLists(a.search, func(k string, v []string) bool { return len(v) > 0 })
	}, false},
	{"search lists have no repeats", func(a appSet) bool {
		return allLists(a.search, func(k string, v []string) bool { return noRepeats(v) })
	}, false},
	{"search values start with their key (upper-cased)", func(a appSet) bool {
		return allItems(a.search, func(k, v string) bool { p, ok := searchPrefix(v); return ok && p == k })
	}, false},
	{"search values are keys of location_counts", func(a appSet) bool {
		return allItems(a.search, func(k, v string) bool { _, ok := a.counts[v]; return ok })
	}, false},
	{"every location_counts key of 3+ characters is in search", func(a appSet) bool {
		in := map[string]bool{}
		for _, v := range a.search {
			for _, s := range v {
				in[s] = true
			}
		}
		return allKeys(a.counts, func(k string) bool { return utf8.RuneCountInString(k) < 3 || in[k] })
	}, false},
	{"bare outcodes among the locations are outward keys", func(a appSet) bool {
		return allKeys(a.counts, func(k string) bool {
			_, ok := a.outward[k]
			return !outcodeRe.MatchString(k) || ok
		})
	}, false},
}

// foldOutcode upper-cases s, drops whitespace and reads the digit 0 as the
// letter O: the typos the register's postcodes have.
func foldOutcode(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		if r == '0' {
			return 'O'
		}
		return unicode.ToUpper(r)
	}, s)
}

func allKeys[V any](m map[string]V, f func(string) bool) bool {
	for k := range m {
		if !f(k) {
			return false
		}
	}
	return true
}

func allLists(m map[string][]string, f func(string, []string) bool) bool {
	for k, v := range m {
		if !f(k, v) {
			return false
		}
	}
	return true
}

func allItems(m map[string][]string, f func(k, v string) bool) bool {
	return allLists(m, func(k string, v []string) bool {
		for _, s := range v {
			if !f(k, s) {
				return false
			}
		}
		return true
	})
}

func noRepeats(v []string) bool {
	seen := map[string]bool{}
	for _, s := range v {
		if seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}

// appFileBytes reads the app's three files from ../shared.
func appFileBytes(t *testing.T) (outward, counts, search []byte) {
	read := func(name string) []byte {
		b, err := os.ReadFile(shareddata.Path(t, "data/app/"+name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return read("outward_locations.json"), read("location_counts.json"), read("search_index.json")
}

// TestAppFileShapes bakes the real register and checks the three files against
// the shapes of the app's own files: the JSON type signature of each file, and
// every rule the app's files obey.
func TestAppFileShapes(t *testing.T) {
	ao, ac, as := appFileBytes(t)
	dir, _ := realBake(t)
	oo, oc, osr := asset(t, dir, OutwardLocationsName), asset(t, dir, LocationCountsName), asset(t, dir, SearchIndexName)

	for _, f := range []struct {
		name       string
		app, ours  []byte
		wantNonNil bool
	}{
		{"outward_locations.json", ao, oo, true},
		{"location_counts.json", ac, oc, true},
		{"search_index.json", as, osr, true},
	} {
		app, ours := shapeOf(decodeAny(t, "app "+f.name, f.app)), shapeOf(decodeAny(t, f.name, f.ours))
		t.Logf("%s: app shape %s, ours %s", f.name, app, ours)
		if app != ours {
			t.Errorf("%s: shape %s, the app's is %s", f.name, ours, app)
		}
		if !strings.HasPrefix(app, "object<") || strings.Contains(app, "|") {
			t.Errorf("%s: the app's file has no single shape (%s): the derivation is broken", f.name, app)
		}
	}

	app := decodeAppSet(t, ao, ac, as)
	ours := decodeAppSet(t, oo, oc, osr)
	required := 0
	for _, inv := range invariants {
		a, o := inv.holds(app), inv.holds(ours)
		t.Logf("%-88s app %-5v ours %-5v%s", inv.name, a, o, map[bool]string{true: " (reported only)"}[inv.report])
		if a && !inv.report {
			required++
			if !o {
				t.Errorf("the app's files obey %q; ours do not", inv.name)
			}
		}
	}
	if required < len(invariants)/2 {
		t.Errorf("the app's files obey only %d of %d rules: the rules or the files are wrong", required, len(invariants))
	}
}
