package locations

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/testkit/dataset"
)

// tally counts items by class, in the order classes are first seen.
type tally struct {
	order []string
	n     map[string]int
	ex    map[string]string
}

func (t *tally) add(class, example string) {
	if t.n == nil {
		t.n, t.ex = map[string]int{}, map[string]string{}
	}
	if _, ok := t.n[class]; !ok {
		t.order = append(t.order, class)
		t.ex[class] = example
	}
	t.n[class]++
}

func (t *tally) total() int {
	s := 0
	for _, n := range t.n {
		s += n
	}
	return s
}

func (t *tally) log(tb testing.TB, title string) {
	tb.Logf("  %s: %d", title, t.total())
	for _, c := range t.order {
		tb.Logf("    %6d  %s  (e.g. %q)", t.n[c], c, t.ex[c])
	}
}

// TestCompareWithApp bakes the real register and compares the three files with
// the app's own, printing how many outcodes, locations and prefixes match and
// every class of difference (the numbers in README.md). Run it with -v.
func TestCompareWithApp(t *testing.T) {
	ao, ac, as := appFileBytes(t)
	app := decodeAppSet(t, ao, ac, as)
	ds := dataset.Real(t)
	dir, _ := realBake(t)
	ours := decodeAppSet(t, asset(t, dir, OutwardLocationsName), asset(t, dir, LocationCountsName), asset(t, dir, SearchIndexName))

	// Where each location text sits in our register.
	ourOutcode := map[string]string{}
	for _, c := range ds.Components {
		if c.Location != "" && c.Outcode != "" {
			ourOutcode[c.Location] = c.Outcode
		}
	}
	inRegister := func(loc string) bool { _, ok := ours.counts[loc]; return ok }

	// location_counts.
	common, equal, appMore, appLess := 0, 0, 0, 0
	var appOnly, oursOnly tally
	for _, loc := range slices.Sorted(maps.Keys(app.counts)) {
		n := app.counts[loc]
		m, ok := ours.counts[loc]
		switch {
		case ok:
			common++
			switch {
			case m == n:
				equal++
			case n > m:
				appMore++
			default:
				appLess++
			}
		case postcode.IsNoLocation(loc):
			appOnly.add("a no-location marker (N/A, TBC, ...): not a location to us", loc)
		case strings.TrimSpace(loc) != loc && inRegister(strings.TrimSpace(loc)):
			appOnly.add("leading/trailing whitespace: we count the trimmed text", loc)
		default:
			appOnly.add("not in the register we have (the app's database is larger)", loc)
		}
	}
	appTrimmed := map[string]bool{}
	for loc := range app.counts {
		appTrimmed[strings.TrimSpace(loc)] = true
	}
	for _, loc := range slices.Sorted(maps.Keys(ours.counts)) {
		if _, ok := app.counts[loc]; ok {
			continue
		}
		if appTrimmed[loc] {
			oursOnly.add("the app has it with leading/trailing whitespace", loc)
		} else {
			oursOnly.add("not in the app's files (rows newer than its database, or spelt differently there)", loc)
		}
	}
	t.Logf("location_counts.json: app %d locations, ours %d; %d in both, of which %d with the same count, %d where the app counts more, %d where it counts fewer",
		len(app.counts), len(ours.counts), common, equal, appMore, appLess)
	appOnly.log(t, "app only")
	oursOnly.log(t, "ours only")
	if common+appOnly.total() != len(app.counts) || common+oursOnly.total() != len(ours.counts) {
		t.Errorf("location classes do not add up")
	}

	// outward_locations: keys, then (outcode, location) pairs.
	keysBoth, same, oursSubset := 0, 0, 0
	for k, v := range app.outward {
		ov, ok := ours.outward[k]
		if !ok {
			continue
		}
		keysBoth++
		appSet := map[string]bool{}
		for _, l := range v {
			appSet[l] = true
		}
		sub := true
		for _, l := range ov {
			sub = sub && appSet[l]
		}
		switch {
		case sub && len(ov) == len(appSet):
			same++
		case sub:
			oursSubset++
		}
	}
	t.Logf("outward_locations.json: app %d outcodes, ours %d; %d in both, of which %d list exactly the same locations and %d list a subset of the app's",
		len(app.outward), len(ours.outward), keysBoth, same, oursSubset)
	var appPairs, ourPairs tally
	pairsBoth := 0
	for _, k := range slices.Sorted(maps.Keys(app.outward)) {
		v := app.outward[k]
		seen := map[string]bool{}
		for _, l := range v {
			if seen[l] {
				continue
			}
			seen[l] = true
			oc := ourOutcode[l]
			switch {
			case contains(ours.outward[k], l):
				pairsBoth++
			case !inRegister(l) && postcode.IsNoLocation(l):
				appPairs.add("a no-location marker", k+" <- "+l)
			case !inRegister(l):
				appPairs.add("location not in the register we have", k+" <- "+l)
			case oc == "":
				appPairs.add("no postcode or outcode in the text for our parser; the app keyed a token (road B788 -> B7)", k+" <- "+l)
			case oc != k && strings.HasPrefix(oc, k):
				appPairs.add("the app's key is a truncated outcode (DA16 -> DA1, S33 -> S3)", k+" <- "+l)
			case oc != k:
				appPairs.add("the app's key is another token before the postcode (road A823 -> A8, B1256 -> B1, unit B2)", k+" <- "+l)
			default:
				appPairs.add("other", k+" <- "+l)
			}
		}
	}
	appKeysOf := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(app.outward)) {
		for _, l := range app.outward[k] {
			if !contains(appKeysOf[l], k) {
				appKeysOf[l] = append(appKeysOf[l], k)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ours.outward)) {
		for _, l := range ours.outward[k] {
			if contains(app.outward[k], l) {
				continue
			}
			_, appKey := app.outward[k]
			switch {
			case !strings.Contains(strings.ToUpper(l), k):
				ourPairs.add("the outcode is written with a typo we read (P018 -> PO18, OL 12 -> OL12)", k+" <- "+l)
			case !appKey:
				ourPairs.add("outcode not among the app's keys", k+" <- "+l)
			case func() bool { _, ok := app.counts[l]; return !ok }():
				ourPairs.add("location not in the app's files", k+" <- "+l)
			case len(appKeysOf[l]) > 0:
				ourPairs.add("the app keys it elsewhere (truncated outcode or road number, as above)", k+" <- "+l+" (app: "+strings.Join(appKeysOf[l], ",")+")")
			default:
				ourPairs.add("the app keys it nowhere", k+" <- "+l)
			}
		}
	}
	t.Logf("  (outcode, location) pairs: %d in both", pairsBoth)
	appPairs.log(t, "app only")
	ourPairs.log(t, "ours only")

	// search_index.
	prefBoth, prefSame, valsBoth, valsOurs := 0, 0, 0, 0
	for k, v := range ours.search {
		valsOurs += len(v)
		av, ok := app.search[k]
		if !ok {
			continue
		}
		prefBoth++
		n := 0
		for _, l := range v {
			if contains(av, l) {
				n++
			}
		}
		valsBoth += n
		if n == len(v) && n == len(av) {
			prefSame++
		}
	}
	appVals := 0
	for _, v := range app.search {
		appVals += len(v)
	}
	t.Logf("search_index.json: app %d prefixes (%d entries), ours %d (%d entries); %d prefixes in both, %d with exactly the same list; %d entries in both",
		len(app.search), appVals, len(ours.search), valsOurs, prefBoth, prefSame, valsBoth)
}

func contains(v []string, s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}
