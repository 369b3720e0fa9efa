package maptiles

// Benchmarks on the production-sized synthetic sample (package sample: 64,000
// components, 28,270 DSR), read and geocoded the way a bake does.
// scripts/bench-maptiles.sh runs them next to the supercluster npm package on the
// same DSR points (written to $PREBAKE_BENCH_POINTS_OUT) and prints the ratio.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/writer"
)

var benchSample struct {
	once sync.Once
	ds   *record.Dataset
	err  error
}

func sampleDataset(b *testing.B) *record.Dataset {
	b.Helper()
	benchSample.once.Do(func() {
		benchSample.ds = dataset.Sample(b, 0)
		if p := os.Getenv("PREBAKE_BENCH_POINTS_OUT"); p != "" {
			benchSample.err = writeLayerPoints(p, benchSample.ds, record.DSR)
		}
	})
	if benchSample.ds == nil {
		b.Fatal("loading the sample failed in an earlier benchmark")
	}
	if benchSample.err != nil {
		b.Fatal(benchSample.err)
	}
	return benchSample.ds
}

// writeLayerPoints writes a layer's input points, in input order, as GeoJSON
// for supercluster_bench.mjs.
func writeLayerPoints(path string, ds *record.Dataset, cat record.Category) error {
	comps, err := layerInput(ds, cat)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, c := range comps {
		if i > 0 {
			sb.WriteString(",\n")
		}
		sb.WriteString(`{"type":"Feature","id":` + strconv.FormatInt(c.ID, 10) + `,"properties":{"id":` + strconv.FormatInt(c.ID, 10) +
			`},"geometry":{"type":"Point","coordinates":[` + strconv.FormatFloat(c.Geo.Lng, 'g', -1, 64) + "," +
			strconv.FormatFloat(c.Geo.Lat, 'g', -1, 64) + "]}}")
	}
	sb.WriteString("]}\n")
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

func layerInput(ds *record.Dataset, cat record.Category) ([]*record.Component, error) {
	catIndex := map[record.Category]int{}
	for i, c := range record.Categories {
		catIndex[c] = i
	}
	all, err := located(ds, catIndex)
	if err != nil {
		return nil, err
	}
	var out []*record.Component
	for _, c := range all {
		if c.Category == cat {
			out = append(out, c)
		}
	}
	return out, nil
}

// BenchmarkDSRClusterAndSerialize is the work supercluster_bench.mjs --no-write
// times (index, then every tile generated and serialised, nothing written): the
// DSR layer clustered at every zoom and every file's bytes built in memory.
func BenchmarkDSRClusterAndSerialize(b *testing.B) {
	ds := sampleDataset(b)
	comps, err := layerInput(ds, record.DSR)
	if err != nil {
		b.Fatal(err)
	}
	catIndex := map[record.Category]int{}
	for i, c := range record.Categories {
		catIndex[c] = i
	}
	o, _ := DefaultOptions().withDefaults()
	var files, bytes int
	for b.Loop() {
		feats, strs, err := layerFeatures(comps, catIndex, false, o)
		if err != nil {
			b.Fatal(err)
		}
		t := newTreeBuilder(feats, strs, false, o)
		ids := make([]int32, len(feats))
		for i := range ids {
			ids[i] = int32(i)
		}
		root := t.build(0, 0, 0, o.MinZoom, ids)
		files, bytes = t.files, 0
		addFiles(root, func(_ string, data []byte) error { bytes += len(data); return nil })
	}
	b.ReportMetric(float64(len(comps)), "points")
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(float64(bytes), "bytes")
}

// BenchmarkDSRLayerWritten is the DSR layer end to end: its default view
// clustered and serialised, its attribute file, compressed (br, gzip) and
// written by the writer into a fresh directory.
func BenchmarkDSRLayerWritten(b *testing.B) {
	benchWritten(b, Options{Layers: []string{"DSR"}, SkipVectorTiles: true})
}

// BenchmarkAllLayersWritten is the whole maptiles stage end to end: every
// layer's default view and attribute file, and the PMTiles archive.
func BenchmarkAllLayersWritten(b *testing.B) {
	benchWritten(b, Options{})
}

// cpuSeconds is the process's user + system CPU time so far.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func benchWritten(b *testing.B, o Options) {
	ds := sampleDataset(b)
	var dir string
	// CPU time of the timed work (every goroutine, the writer's included), the
	// figure the bake's stage budget is in: cpu-s/op.
	var cpu float64
	for b.Loop() {
		b.StopTimer()
		dir = b.TempDir()
		w, err := writer.New(writer.Options{OutDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0 := cpuSeconds(b)
		if _, err := Generate(ds, w, o); err != nil {
			b.Fatal(err)
		}
		cpu += cpuSeconds(b) - c0
	}
	b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
	// Count what the last iteration left on disk: originals and compressed variants.
	var files, raw, br, gz int64
	filepath.Walk(filepath.Join(dir, "maptiles"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".br":
			br += fi.Size()
		case ".gz":
			gz += fi.Size()
		case ".zst":
		default:
			files++
			raw += fi.Size()
		}
		return nil
	})
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(float64(raw), "bytes")
	b.ReportMetric(float64(br), "br_bytes")
	b.ReportMetric(float64(gz), "gzip_bytes")
}
