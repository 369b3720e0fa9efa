package source_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/source"
)

// BenchmarkReadSample reads the default synthetic sample (about 41 MB, 72k rows).
func BenchmarkReadSample(b *testing.B) {
	dir := b.TempDir()
	files, err := sample.Write(dir, sample.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			size += st.Size()
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := source.Read([]string{filepath.Join(dir, "synthetic_*.json")}, ""); err != nil {
			b.Fatal(err)
		}
	}
}
