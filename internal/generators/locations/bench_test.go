package locations

import (
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/dataset"
	"github.com/prebake/prebake/internal/testkit/treetest"
	"github.com/prebake/prebake/internal/writer"
)

// shardStats are the sizes of one shard set on disk, raw and per encoding.
type shardStats struct {
	files          int
	total, largest map[string]int64 // by encoding: "raw", "br", "gzip", "zstd"
	largestName    map[string]string
}

func measureShards(tb testing.TB, dir string) shardStats {
	tb.Helper()
	st := shardStats{total: map[string]int64{}, largest: map[string]int64{}, largestName: map[string]string{}}
	suffixes := map[string]string{".json": "raw", ".json.br": "br", ".json.gz": "gzip", ".json.zst": "zstd"}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		enc := suffixes[name[strings.Index(name, "."):]]
		if enc == "" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if enc == "raw" {
			st.files++
		}
		st.total[enc] += info.Size()
		if info.Size() > st.largest[enc] {
			st.largest[enc], st.largestName[enc] = info.Size(), name
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// BenchmarkGenerateFullTable bakes the real register and the whole GB postcode
// table (1.68 M postcodes, 2,880 shards) through the real writer, compression
// variants included, and reports the shard sizes. scripts/bench-locations.sh
// runs it once.
func BenchmarkGenerateFullTable(b *testing.B) {
	ds := dataset.Real(b)
	var s Summary
	var dir string
	cpu0 := cpuTime(b)
	for b.Loop() {
		dir = b.TempDir()
		w, err := writer.New(writer.Options{OutDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if s, err = Generate(ds, w, Options{}); err != nil {
			b.Fatal(err)
		}
		w.Close()
	}
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	st := measureShards(b, filepath.Join(dir, filepath.FromSlash(s.PostcodeShardsPath)))
	b.ReportMetric(float64(st.total["raw"])/1e6, "shards-MB")
	b.ReportMetric(float64(st.total["br"])/1e6, "shards-br-MB")
	b.ReportMetric(float64(st.largest["raw"])/1e3, "largest-kB")
	b.ReportMetric(float64(st.largest["br"])/1e3, "largest-br-kB")
	b.Logf("GOMAXPROCS %d; %d components, %d postcodes -> %d shards, %d sectors, %d location groups, Parquet %.1f MB",
		runtime.GOMAXPROCS(0), len(ds.Components), s.Postcodes, st.files, s.Sectors, s.Groups, float64(s.ParquetBytes)/1e6)
	for _, enc := range []string{"raw", "br", "gzip", "zstd"} {
		b.Logf("shards %-4s total %8.2f MB  largest %7.1f kB (%s)", enc, float64(st.total[enc])/1e6, float64(st.largest[enc])/1e3, st.largestName[enc])
	}
}

// BenchmarkEncodeShards is the shard encoding alone, without the writer.
func BenchmarkEncodeShards(b *testing.B) {
	t, err := newPostcodeTable(dataset.RealPostcodes(b).Points())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1<<20)
	for b.Loop() {
		var total int
		for _, r := range t.outcodes {
			buf, _, _ = encodeShard(buf[:0], r.outcode, t.points[r.start:r.end])
			total += len(buf)
		}
		b.SetBytes(int64(total))
	}
}

// TestGenerateRealDeterministic bakes the real register and postcode table
// twice, with one worker at GOMAXPROCS 1 and with the default, and wants
// byte-identical trees (compressed variants included); it also checks that
// the location groups account for every located component and that every
// component is filed under at most one outcode.
func TestGenerateRealDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("bakes the full postcode table twice")
	}
	ds := dataset.Real(t)
	prev := runtime.GOMAXPROCS(1)
	dirA, _, sA := bake(t, ds, Options{Workers: 1})
	runtime.GOMAXPROCS(prev)
	// The other bake is the run's shared one (realBake): default workers, another
	// process, the whole pipeline; its manifest gives only part of the summary.
	dirB, sB := realBake(t)
	a, b := treetest.Hashes(t, dirA), treetest.Hashes(t, dirB)
	if diffs := treetest.Diff(a, b); len(diffs) > 0 {
		t.Errorf("%d of %d and %d files differ between the two bakes, e.g. %v", len(diffs), len(a), len(b), diffs[:min(5, len(diffs))])
	}
	t.Logf("%d files in both bakes", len(a))
	if sA.PostcodeShards != sB.PostcodeShards || sA.ShardBytes != sB.ShardBytes {
		t.Errorf("summaries differ: %+v vs %+v", sA, sB)
	}

	all := decode[featureCollection](t, "all", asset(t, dirB, GroupsDir+"/all.geojson"))
	checkGroupCounts(t, ds.Components, all)
	// sA: the shared bake's summary is only what its manifest records, and the
	// trees are byte-identical.
	if sA.OutcodeComponents+sA.WithoutOutcode != len(ds.Components) {
		t.Errorf("%d filed + %d without outcode != %d components", sA.OutcodeComponents, sA.WithoutOutcode, len(ds.Components))
	}
	t.Logf("%d location groups for %d located components; %d components filed under %d outcodes (%d by nearest postcode, %d by their text), %d without",
		sA.Groups, sA.GroupComponents, sA.OutcodeComponents, sA.OutcodesWithComps, sA.ByNearestPostcode, sA.ByLocationOutcode, sA.WithoutOutcode)
}

// sampleDS is the production-sized synthetic sample (package sample: 64,000
// components and its synthetic postcode table), read and geocoded the way a
// bake does, built once per test binary.
var sampleDS struct {
	once sync.Once
	ds   *record.Dataset
}

func sampleDataset(b *testing.B) *record.Dataset {
	b.Helper()
	sampleDS.once.Do(func() { sampleDS.ds = dataset.Sample(b, 0) })
	if sampleDS.ds == nil {
		b.Fatal("loading the sample failed in an earlier benchmark")
	}
	return sampleDS.ds
}

// BenchmarkGenerateSample is the locations stage of a bake of the bundled
// production-sized sample (64,000 components), through the real writer with
// its compressed variants, and reports the stage's raw output: bytes and files.
// scripts/bench-locations.sh prints it.
func BenchmarkGenerateSample(b *testing.B) {
	ds := sampleDataset(b)
	var dir string
	cpu0 := cpuTime(b)
	for b.Loop() {
		dir = b.TempDir()
		w, err := writer.New(writer.Options{OutDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Generate(ds, w, Options{}); err != nil {
			b.Fatal(err)
		}
		w.Close()
	}
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	var files, bytes int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".zst") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		bytes += info.Size()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(bytes)/1e6, "raw-MB")
	b.ReportMetric(float64(files), "raw-files")
}

// cpuTime is the process's user and system CPU time so far (every thread: the
// writer's compression workers included).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
