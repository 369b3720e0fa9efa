package writer

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/prebake/prebake/internal/atomicfile"
	"github.com/prebake/prebake/manifest"
)

// WriteDjangoStaticfiles writes, atomically, a staticfiles.json in the format of
// Django's ManifestStaticFilesStorage (version "1.1", Django 4.2+) mapping each
// asset's logical name to its hashed path, so that with STATIC_ROOT at the output
// directory {% static "cmu/components.parquet" %} resolves to the hashed file.
//
// Django computes "hash" as the first 12 hex digits of the MD5 of
// json.dumps(sorted(paths.items())) and writes the file with json.dumps(payload);
// both are reproduced byte for byte here (Python's default separators and
// ensure_ascii escaping).
func WriteDjangoStaticfiles(path string, m *manifest.Manifest) error {
	if m == nil {
		return fmt.Errorf("django staticfiles %s: no manifest", path)
	}
	return atomicfile.Write(path, DjangoStaticfiles(m))
}

// DjangoStaticfiles returns the staticfiles.json bytes for m.
func DjangoStaticfiles(m *manifest.Manifest) []byte {
	names := slices.Sorted(maps.Keys(m.Assets))
	// json.dumps(sorted(hashed_files.items())): a list of [name, hashed] pairs.
	var pairs strings.Builder
	pairs.WriteByte('[')
	for i, n := range names {
		if i > 0 {
			pairs.WriteString(", ")
		}
		pairs.WriteString("[" + pyString(n) + ", " + pyString(m.Assets[n].Path) + "]")
	}
	pairs.WriteByte(']')
	sum := md5.Sum([]byte(pairs.String()))

	var b strings.Builder
	b.WriteString(`{"paths": {`)
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyString(n) + ": " + pyString(m.Assets[n].Path))
	}
	b.WriteString(`}, "version": "1.1", "hash": "` + hex.EncodeToString(sum[:])[:12] + `"}`)
	return []byte(b.String())
}

// pyString is Python's json.dumps of a str with ensure_ascii=True.
func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r < 0x7f: // Python escapes everything outside ' '..'~'
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
