package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Load reads and checks the manifest at path.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return m, nil
}

// Parse decodes a manifest and checks it with Validate. Fields it does not know
// are ignored, so an older reader can read a newer manifest of the same
// schema_version.
func Parse(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("not valid JSON at byte %d: %w", se.Offset, err)
		}
		return nil, fmt.Errorf("not a prebake manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

var (
	hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// EncodingSuffixes maps each pre-compressed variant's Content-Encoding token
	// to the suffix its file carries.
	EncodingSuffixes = map[string]string{"br": ".br", "gzip": ".gz", "zstd": ".zst"}
)

// Validate checks what a reader relies on: the schema version, hashes that look
// like hashes, and paths that stay inside the output directory.
func (m *Manifest) Validate() error {
	if m.SchemaVersion != SchemaVersion {
		return fmt.Errorf("schema_version is %d, this reader understands %d", m.SchemaVersion, SchemaVersion)
	}
	if m.BuildID == "" {
		return errors.New("build_id is empty")
	}
	for _, name := range slices.Sorted(maps.Keys(m.Assets)) {
		a := m.Assets[name]
		if err := CheckPath(a.Path); err != nil {
			return fmt.Errorf("asset %q: path: %w", name, err)
		}
		if !hex64.MatchString(a.SHA256) {
			return fmt.Errorf("asset %q: sha256 %q is not 64 lower-case hex digits", name, a.SHA256)
		}
		if a.Size < 0 {
			return fmt.Errorf("asset %q: negative size %d", name, a.Size)
		}
		for _, enc := range slices.Sorted(maps.Keys(a.Encodings)) {
			suffix, ok := EncodingSuffixes[enc]
			if !ok {
				return fmt.Errorf("asset %q: unknown encoding %q (want br, gzip or zstd)", name, enc)
			}
			if p := a.Encodings[enc].Path; p != a.Path+suffix {
				return fmt.Errorf("asset %q: %s variant path %q, want %q", name, enc, p, a.Path+suffix)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.TileSets)) {
		ts := m.TileSets[name]
		if err := checkSet(ts.Path, ts.SHA256, ts.Index, ts.Encodings); err != nil {
			return fmt.Errorf("tile set %q: %w", name, err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.ShardSets)) {
		ss := m.ShardSets[name]
		if err := checkSet(ss.Path, ss.SHA256, ss.Index, ss.Encodings); err != nil {
			return fmt.Errorf("shard set %q: %w", name, err)
		}
		if ss.Key == "" || !strings.Contains(ss.URL, "{"+ss.Key+"}") {
			return fmt.Errorf("shard set %q: url %q does not hold the key placeholder {%s}", name, ss.URL, ss.Key)
		}
	}
	return nil
}

func checkSet(dir, sum, index string, encs []string) error {
	if dir != "" {
		if err := CheckPath(dir); err != nil {
			return fmt.Errorf("path: %w", err)
		}
	}
	if sum != "" && !hex64.MatchString(sum) {
		return fmt.Errorf("sha256 %q is not 64 lower-case hex digits", sum)
	}
	if index != "" {
		if err := CheckPath(index); err != nil {
			return fmt.Errorf("index: %w", err)
		}
		if sum == "" {
			return errors.New("has an index but no sha256")
		}
		if !strings.HasSuffix(dir, "."+sum[:16]) {
			return fmt.Errorf("directory %q is not named by its sha256 %s…", dir, sum[:16])
		}
	}
	for _, e := range encs {
		if _, ok := EncodingSuffixes[e]; !ok {
			return fmt.Errorf("unknown encoding %q (want br, gzip or zstd)", e)
		}
	}
	return nil
}

// CheckPath refuses a relative path that could name something outside the
// output directory or that differs between systems: empty, absolute, with a
// drive letter, backslash, NUL or other control character, ".", ".." or empty
// segments, a segment starting with "." (prebake's state lives in ".prebake"),
// or invalid UTF-8.
func CheckPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case !utf8.ValidString(p):
		return fmt.Errorf("%q is not valid UTF-8", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%q is absolute", p)
	case strings.Contains(p, "\\"):
		return fmt.Errorf("%q contains a backslash", p)
	case len(p) >= 2 && p[1] == ':':
		return fmt.Errorf("%q starts with a drive letter", p)
	case len(p) > 1024:
		return fmt.Errorf("%q is longer than 1024 bytes", p[:40]+"…")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q contains control character %U", p, r)
		}
	}
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%q has an empty segment", p)
		case seg == "." || seg == "..":
			return fmt.Errorf("%q has a %q segment", p, seg)
		case strings.HasPrefix(seg, "."):
			return fmt.Errorf("%q has a hidden segment %q", p, seg)
		case len(seg) > 200:
			return fmt.Errorf("%q has a segment longer than 200 bytes", p)
		}
	}
	if path.Clean(p) != p {
		return fmt.Errorf("%q is not clean", p)
	}
	return nil
}

// Asset returns the asset with logical name, e.g. "cmu/components.parquet".
func (m *Manifest) Asset(name string) (Asset, error) {
	a, ok := m.Assets[name]
	if !ok {
		return Asset{}, m.notFound("asset", name, slices.Sorted(maps.Keys(m.Assets)))
	}
	return a, nil
}

// URL returns the URL of the asset with logical name: base_url + its hashed path.
func (m *Manifest) URL(name string) (string, error) {
	a, err := m.Asset(name)
	if err != nil {
		return "", err
	}
	return a.URL, nil
}

// TileSet returns the tile set of map layer name, e.g. "DSR".
func (m *Manifest) TileSet(name string) (TileSet, error) {
	ts, ok := m.TileSets[name]
	if !ok {
		return TileSet{}, m.notFound("tile set", name, slices.Sorted(maps.Keys(m.TileSets)))
	}
	return ts, nil
}

// ShardSet returns the shard set called name.
func (m *Manifest) ShardSet(name string) (ShardSet, error) {
	ss, ok := m.ShardSets[name]
	if !ok {
		return ShardSet{}, m.notFound("shard set", name, slices.Sorted(maps.Keys(m.ShardSets)))
	}
	return ss, nil
}

// ShardURL returns the URL of the shard with key (an outcode, a shard number…)
// in shard set name. The key is the shard file's name, already computed with the
// set's params; it is path-escaped and may not contain "/".
func (m *Manifest) ShardURL(name, key string) (string, error) {
	ss, err := m.ShardSet(name)
	if err != nil {
		return "", err
	}
	if key == "" || key == "." || key == ".." || strings.ContainsAny(key, "/\\\x00") {
		return "", fmt.Errorf("shard set %q: key %q is not a shard name", name, key)
	}
	return strings.ReplaceAll(ss.URL, "{"+ss.Key+"}", url.PathEscape(key)), nil
}

func (m *Manifest) notFound(kind, name string, have []string) error {
	// The closest names share the longest prefix with what was asked for.
	sort.SliceStable(have, func(i, j int) bool { return commonPrefix(have[i], name) > commonPrefix(have[j], name) })
	if len(have) > 5 {
		have = append(have[:5:5], "…")
	}
	if len(have) == 0 {
		return fmt.Errorf("manifest (build %s) has no %s %q: it has no %ss at all", m.BuildID, kind, name, kind)
	}
	return fmt.Errorf("manifest (build %s) has no %s %q; nearest: %s", m.BuildID, kind, name, strings.Join(have, ", "))
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
