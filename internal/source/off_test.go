package source_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/source"
)

// TestFileErrorOffsets: the byte offset in a file error points at the fault,
// counting a byte-order mark, in every format that reports one.
func TestFileErrorOffsets(t *testing.T) {
	cases := []struct {
		name, content, fault string // fault: the text the offset must point into
	}{
		{"json", `[` + row1 + `, {"_id": 2,, "x": 1}]`, ",,"},
		{"json with BOM", "\xef\xbb\xbf[" + row1 + `, {"_id": 2,, "x": 1}]`, ",,"},
		{"ndjson with BOM", "\xef\xbb\xbf" + row1 + "\n" + `{"_id": 2,, "x": 1}` + "\n", ",,"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "f.json", tc.content)
			_, err := source.Read([]string{p}, "")
			var fe *source.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a FileError", err)
			}
			at := int64(strings.Index(tc.content, tc.fault))
			if fe.Offset < at || fe.Offset > at+int64(len(tc.fault))+1 {
				t.Errorf("offset %d, want the fault at %d-%d (%v)", fe.Offset, at, at+int64(len(tc.fault))+1, err)
			}
		})
	}
}
