package manifest

import (
	"bytes"
	"fmt"
	"strings"
)

// IndexEntry is one line of a file set's index: a file's SHA-256 (64 hex digits)
// and its slash-separated path inside the set's directory.
type IndexEntry struct {
	SHA256 string
	Path   string
}

// ParseIndex reads a file set's index (TileSet.Index, ShardSet.Index): sha256sum
// format, "<sha256>  <file>\n" per file, sorted by file name in byte order and
// without repeats (see docs/manifest.md). It reports the first line that breaks
// the format, with its number.
func ParseIndex(data []byte) ([]IndexEntry, error) {
	var entries []IndexEntry
	lines := bytes.Count(data, []byte("\n"))
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 && i == lines {
			break
		}
		sum, rel, ok := strings.Cut(string(line), "  ")
		if !ok || !hex64.MatchString(sum) {
			return nil, fmt.Errorf("index line %d is not \"<sha256>  <file>\": %q", i+1, line)
		}
		if err := CheckPath(rel); err != nil {
			return nil, fmt.Errorf("index line %d: %v", i+1, err)
		}
		if i > 0 && rel <= entries[len(entries)-1].Path {
			return nil, fmt.Errorf("index line %d: %q is out of order or repeated", i+1, rel)
		}
		entries = append(entries, IndexEntry{sum, rel})
	}
	return entries, nil
}
