// Package apprules holds rules of the web app (daveyboyc/cm-search) that more
// than one language of prebake needs, as data files embedded here and shipped
// in the Python package, so that every language reads one source (issue 25
// item 2): the app's Redis cache families (cache_families.json), read by
// `prebake audit` and by the Django cache backend prebake.django.cache; and
// the app's rules for showing and filtering components (app_rules.json, App),
// read by the generators, by prebake.rules in Python, and by the JS client
// through js/src/rules.mjs, generated from it.
package apprules

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
)

// CacheFamiliesJSON is cache_families.json as embedded at build time. The
// Python package ships the same file (python/src/prebake/data/cache_families.json
// is a symlink to it; its tests fail when the wheel's copy differs).
//
//go:embed cache_families.json
var CacheFamiliesJSON []byte

// Rest values: how the part of a key body after Prefix is checked.
const (
	RestAny    = ""       // anything, the empty string included
	RestMD5    = "md5"    // hashlib.md5(...).hexdigest(): 32 lower-case hex digits
	RestDigits = "digits" // one or more ASCII digits
)

// Backend values: where the Django cache backend PrebakeCache keeps a family.
const (
	BackendBake    = "bake"    // get builds the app's value from the bake; set never reaches Redis
	BackendProcess = "process" // a bounded per-process store; never Redis
	BackendRedis   = "redis"   // passed through to the wrapped backend
)

// CacheFamily is one kind of entry in the app's Redis cache (see the "about"
// of cache_families.json for every field's meaning).
type CacheFamily struct {
	Name       string   `json:"name"`
	Exact      string   `json:"exact,omitempty"`
	Prefix     string   `json:"prefix,omitempty"`
	Rest       string   `json:"rest,omitempty"`
	Source     string   `json:"source"`
	ReplacedBy []string `json:"replaced_by,omitempty"`
	Note       string   `json:"note,omitempty"`
	Backend    string   `json:"backend"`
}

// CacheFamilies parses CacheFamiliesJSON. It fails on unknown fields, on a
// family that sets neither or both of Exact and Prefix, and on unknown Rest or
// Backend values, so the file cannot say more than its readers understand.
func CacheFamilies() ([]CacheFamily, error) {
	return parseCacheFamilies(CacheFamiliesJSON)
}

func parseCacheFamilies(b []byte) ([]CacheFamily, error) {
	var doc struct {
		About    string        `json:"about"`
		Families []CacheFamily `json:"families"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("cache_families.json: %w", err)
	}
	for i, f := range doc.Families {
		switch {
		case f.Name == "":
			return nil, fmt.Errorf("cache_families.json: family %d: no name", i)
		case (f.Exact == "") == (f.Prefix == ""):
			return nil, fmt.Errorf("cache_families.json: family %q: set exact, or prefix", f.Name)
		case f.Exact != "" && f.Rest != RestAny:
			return nil, fmt.Errorf("cache_families.json: family %q: rest applies to a prefix only", f.Name)
		case f.Rest != RestAny && f.Rest != RestMD5 && f.Rest != RestDigits:
			return nil, fmt.Errorf("cache_families.json: family %q: unknown rest %q", f.Name, f.Rest)
		case f.Backend != BackendBake && f.Backend != BackendProcess && f.Backend != BackendRedis:
			return nil, fmt.Errorf("cache_families.json: family %q: unknown backend %q", f.Name, f.Backend)
		}
	}
	return doc.Families, nil
}
