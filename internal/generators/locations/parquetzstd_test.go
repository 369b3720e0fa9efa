package locations

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/dataset"
)

// parquetGoZstd is the codec parquetZstd stands in for.
func parquetGoZstd() *zstd.Codec { return &zstd.Codec{Level: zstd.SpeedDefault, Concurrency: 1} }

// TestParquetZstdMatchesParquetGo: pages of every size around the block
// (128 KiB), page buffer (256 KiB) and window (1 MiB) boundaries, of
// compressible and random bytes, encode to the same bytes as parquet-go's
// codec and decode back; then a whole postcodes.parquet, synthetic and (unless
// -short) of the real table, is the same file with either codec.
func TestParquetZstdMatchesParquetGo(t *testing.T) {
	ours, err := newParquetZstd()
	if err != nil {
		t.Fatal(err)
	}
	ref := parquetGoZstd()
	r := rand.New(rand.NewPCG(29, 2))
	for _, n := range []int{0, 1, 100, 1023, 1024, 1025, 128<<10 - 1, 128 << 10, 128<<10 + 1, 256 << 10, 512<<10 + 1, 1<<20 - 1, 1 << 20, 1<<20 + 1, 3 << 20} {
		for _, kind := range []string{"text", "random"} {
			src := make([]byte, n)
			var b bytes.Buffer
			for b.Len() < n && kind == "text" {
				fmt.Fprintf(&b, "AB%d %d%c%c,%.6f,", r.IntN(99), r.IntN(10), 'A'+r.IntN(26), 'A'+r.IntN(26), r.Float64()*10+50)
			}
			if kind == "text" {
				copy(src, b.Bytes())
			} else {
				for i := range src {
					src[i] = byte(r.IntN(256))
				}
			}
			got, err := ours.Encode(nil, src)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := ref.Encode(nil, src)
			if !bytes.Equal(got, want) {
				t.Errorf("%d bytes of %s: %d bytes encoded, parquet-go's codec %d", n, kind, len(got), len(want))
			}
			back, err := ours.Decode(nil, got)
			if err != nil || !bytes.Equal(back, src) {
				t.Errorf("%d bytes of %s do not decode back (%v)", n, kind, err)
			}
		}
	}

	tables := map[string][]record.PostcodePoint{"synthetic": syntheticPostcodes(r, 300000)}
	if !testing.Short() {
		tables["real"] = dataset.RealPostcodes(t).Points()
	}
	for name, pts := range tables {
		tab, err := newPostcodeTable(pts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeParquet(tab)
		if err != nil {
			t.Fatal(err)
		}
		want, err := encodeParquetWith(tab, parquetGoZstd())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s table (%d postcodes): postcodes.parquet is %d bytes, with parquet-go's codec %d, or other bytes", name, len(tab.points), len(got), len(want))
		}
	}
}

// syntheticPostcodes is n distinct unit postcodes in sorted order with random
// positions in Great Britain.
func syntheticPostcodes(r *rand.Rand, n int) []record.PostcodePoint {
	seen := map[string]bool{}
	var pts []record.PostcodePoint
	for len(pts) < n {
		pc := fmt.Sprintf("%c%c%d %d%c%c", 'A'+r.IntN(26), 'A'+r.IntN(26), r.IntN(100), r.IntN(10), 'A'+r.IntN(26), 'A'+r.IntN(26))
		if seen[pc] {
			continue
		}
		seen[pc] = true
		pts = append(pts, record.PostcodePoint{Postcode: pc, Lat: 50 + r.Float64()*8, Lng: -6 + r.Float64()*7})
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].Postcode < pts[j].Postcode })
	return pts
}
