package source_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/prebake/prebake/internal/source"
)

// writeBigAppCache writes an app-cache file of about size bytes whose rows cycle
// through distinct _ids (all distinct when distinct >= the row count).
func writeBigAppCache(t testing.TB, size int64, distinct int) (string, int) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	var written int64
	rows := 0
	put := func(s string) {
		n, _ := w.WriteString(s)
		written += int64(n)
	}
	put("{")
	for key := 0; written < size; key++ {
		if key > 0 {
			put(",")
		}
		put(fmt.Sprintf("%q: [", fmt.Sprintf("CMU%05d", key)))
		for i := 0; i < 20 && written < size; i++ {
			if i > 0 {
				put(",")
			}
			id := rows%distinct + 1
			put(fmt.Sprintf(`{"_id": %d, "Auction Name": "2024-25 (T-4) Four Year Ahead Capacity Auction", "CMU ID": "CMU%05d", "Component ID": "C%07d", "Type": "T-4", "Delivery Year": 2024, "Generating Technology Class": "DSR", "Connection / DSR Capacity": null, "De-Rated Capacity": 1.25, "Description of CMU Components": "Load curtailment at a cold store with standby generation and a description long enough to look like the register's", "Location and Post Code": "Unit %d, Example Industrial Estate, Example Road, Exampleton, YO51 9LS", "OS Grid Reference": "SE 473 250", "rank": 0.07, "Company Name": "EXAMPLE ENERGY LIMITED (synthetic)"}`, id, key, id, id))
			rows++
		}
		put("]")
	}
	put("}")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p, rows
}

// peakHeap runs fn while sampling the heap, and returns the largest HeapAlloc seen
// above the heap in use before fn started. HeapAlloc counts garbage not yet
// collected too, which depends on when the collector happens to run (the bound
// below failed now and then under load at GOGC=100); at GOGC=10 the heap is
// collected once it grows a tenth past the live heap, so the peak follows what
// fn holds rather than what it has dropped.
func peakHeap(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak {
				peak = m.HeapAlloc
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapAlloc > peak {
		peak = m.HeapAlloc
	}
	if peak < base {
		return 0
	}
	return peak - base
}

// TestReadMemoryBounded reads a generated 30 MB app-cache file and requires the
// heap to stay within a few times the file's size when every row is kept, and well
// under the file's size when the rows are repeats (so nothing holds the file).
func TestReadMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 60 MB")
	}
	const size = 30 << 20
	cases := []struct {
		name     string
		distinct int
		maxRatio float64 // peak heap / file size
	}{
		{"all rows distinct", 1 << 30, 3},
		{"rows repeat 64 components", 64, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, rows := writeBigAppCache(t, size, tc.distinct)
			st, _ := os.Stat(p)
			var res *source.Result
			var err error
			peak := peakHeap(func() { res, err = source.Read([]string{p}, "") })
			if err != nil {
				t.Fatal(err)
			}
			want := min(rows, tc.distinct)
			if len(res.Components) != want || res.Sources[0].Counts.Read != rows {
				t.Fatalf("read %d rows into %d components, want %d into %d", res.Sources[0].Counts.Read, len(res.Components), rows, want)
			}
			ratio := float64(peak) / float64(st.Size())
			t.Logf("%d rows, %.1f MB file, peak heap %.1f MB (%.2fx)", rows, float64(st.Size())/1e6, float64(peak)/1e6, ratio)
			if ratio > tc.maxRatio {
				t.Errorf("peak heap %.1f MB is %.2fx the %.1f MB file, want at most %.1fx", float64(peak)/1e6, ratio, float64(st.Size())/1e6, tc.maxRatio)
			}
			runtime.KeepAlive(res)
		})
	}
}

func BenchmarkReadGenerated30MB(b *testing.B) {
	p, _ := writeBigAppCache(b, 30<<20, 1<<30)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := source.Read([]string{p}, ""); err != nil {
			b.Fatal(err)
		}
	}
}
