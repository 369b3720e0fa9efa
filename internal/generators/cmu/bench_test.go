package cmu

import (
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/testkit/dataset"
)

// BenchmarkGenerateSample is the bake's "cmu tables" and "cmu details" stages on the
// production-sized synthetic sample (64,000 components), variants included;
// it reports the CPU seconds of a run (user + system: the writer compresses on
// every core, so CPU, not wall time, is the stage's cost), and the output's raw
// bytes and files and its .br/.gz variant files. Profile it with
// go test -run - -bench GenerateSample -cpuprofile cpu.out ./internal/generators/cmu
func BenchmarkGenerateSample(b *testing.B) {
	ds := dataset.Sample(b, 0)
	b.ResetTimer()
	cpu0 := cpuSeconds()
	var out string
	for i := 0; i < b.N; i++ {
		out, _ = bakeInto(b, b.TempDir(), ds, Options{})
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	b.StopTimer()
	var raw, files, variants int64
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != out {
				return filepath.SkipDir // the writer's bookkeeping
			}
			return err
		}
		switch filepath.Ext(p) {
		case ".br", ".gz":
			variants++
		default:
			info, err := d.Info()
			if err != nil {
				return err
			}
			raw += info.Size()
			files++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(raw)/1e6, "raw-MB")
	b.ReportMetric(float64(files), "raw-files")
	b.ReportMetric(float64(variants), "variant-files")
}

// cpuSeconds is the process's user and system CPU time so far: the stage's
// cost on two cores is CPU, not wall time (the writer compresses in parallel).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkEncodeSample encodes the sample's two large tables (components:
// 64,000 rows of 27 columns; cmus: the app's frame) in each format, without
// the writer: the encoders' own cost.
func BenchmarkEncodeSample(b *testing.B) {
	ds := dataset.Sample(b, 0)
	comps, err := componentsTable(ds.Components)
	if err != nil {
		b.Fatal(err)
	}
	cmus, err := appFrameTable(appFrame(ds.Components))
	if err != nil {
		b.Fatal(err)
	}
	for _, tb := range []*table.Table{comps, cmus} {
		for _, f := range []struct {
			name string
			enc  func() ([]byte, error)
		}{{"parquet", tb.Parquet}, {"arrow", tb.Arrow}, {"json", tb.JSON}} {
			if f.name == "json" && tb == comps {
				continue // not written
			}
			b.Run(tb.Name+"/"+f.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := cpuSeconds()
				for i := 0; i < b.N; i++ {
					if _, err := f.enc(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			})
		}
	}
}

// BenchmarkPopupsSample builds and encodes the sample's popup files, without
// the writer.
func BenchmarkPopupsSample(b *testing.B) {
	ds := dataset.Sample(b, 0)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		s := newPopupStore(ds.Components)
		files, _ := s.pack(DefaultDetailShardMaxBytes)
		for _, f := range files {
			f.encode()
		}
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
}
