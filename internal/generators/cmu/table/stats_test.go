package table_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/prebake/prebake/internal/generators/cmu/table"
	"github.com/prebake/prebake/internal/testkit/duckcheck"
)

// statsTable is one string and one float column.
func statsTable(t *testing.T, names []string, mws []float64) string {
	t.Helper()
	b := table.NewBuilder("stats", nil,
		table.Column{Name: "name", Type: table.String},
		table.Column{Name: "mw", Type: table.Float64},
	)
	for i := range names {
		mw := mws[i%len(mws)]
		b.Str(names[i]).Float(&mw)
		b.EndRow()
	}
	tb, err := b.Table()
	if err != nil {
		t.Fatal(err)
	}
	data, err := tb.Parquet()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "stats.parquet")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParquetStatistics: chunk statistics and the page index follow the
// Parquet format's rules, checked with DuckDB's parquet_metadata (an
// independent reader) and parquet-go's page index reader: a zero min is -0.0
// and a zero max +0.0; string page bounds are valid UTF-8 no longer than
// PageIndexTruncate bytes and bound every value of their page, so a reader
// using the page index finds "aaaaaaaaaaaaaaaé…" where it is.
func TestParquetStatistics(t *testing.T) {
	long := "aaaaaaaaaaaaaaaé and a long tail"
	cases := []struct {
		name             string
		names            []string
		mws              []float64
		wantMin, wantMax string // as DuckDB prints them
	}{
		{"+0 is the min", []string{long, "b"}, []float64{0, 1.5}, "-0.0", "1.5"},
		{"-0 is the max", []string{"aaaaaaaaaaaaaa€x", long}, []float64{-1, math.Copysign(0, -1)}, "-1.0", "0.0"},
		{"only zeros", []string{"\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF\U0010FFFF", "aaaaaaaaaaaaa😀x"}, []float64{0, math.Copysign(0, -1)}, "-0.0", "0.0"},
		{"no zero", []string{"x", long}, []float64{2, 3}, "2.0", "3.0"},
	}
	// One DuckDB session for every case: starting it is the slow part.
	paths := make([]string, len(cases))
	var sql []string
	for i, tc := range cases {
		paths[i] = statsTable(t, tc.names, tc.mws)
		sql = append(sql,
			fmt.Sprintf("SELECT stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata(%s) WHERE path_in_schema = 'mw'", duckcheck.SQLString(paths[i])),
			fmt.Sprintf("SELECT count(*)::INTEGER AS n FROM read_parquet(%s) WHERE name = %s", duckcheck.SQLString(paths[i]), duckcheck.SQLString(tc.names[1])))
	}
	rows := duckcheck.Query(t, sql...)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stats, found := rows[2*i], rows[2*i+1]
			if len(stats) != 1 || stats[0]["lo"] != tc.wantMin || stats[0]["hi"] != tc.wantMax {
				t.Errorf("DuckDB reads float statistics %v, want min %s max %s", stats, tc.wantMin, tc.wantMax)
			}
			if n := found[0]["n"]; fmt.Sprint(n) != "1" {
				t.Errorf("DuckDB finds %v rows named %q, want 1", n, tc.names[1])
			}
			checkPageIndex(t, paths[i], tc.names, tc.mws)
		})
	}
}

// checkPageIndex reads the page index back with parquet-go's file reader.
func checkPageIndex(t *testing.T, p string, names []string, mws []float64) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	cis := f.ColumnIndexes()
	if len(cis) != 2 {
		t.Fatalf("%d column indexes, want 2 (one row group, two columns)", len(cis))
	}
	name := cis[0]
	for pg := range name.MinValues {
		lo, hi := string(name.MinValues[pg]), string(name.MaxValues[pg])
		if !utf8.ValidString(lo) || !utf8.ValidString(hi) {
			t.Errorf("page %d string bounds %q..%q are not valid UTF-8", pg, lo, hi)
		}
		for _, v := range names { // one page: every value is on it
			if lo > v || hi < v {
				t.Errorf("page %d bounds %q..%q exclude %q", pg, lo, hi, v)
			}
			// A max of U+10FFFF characters cannot be shortened and stays whole.
			if len(lo) > table.PageIndexTruncate || (len(hi) > table.PageIndexTruncate && !strings.HasPrefix(hi, "\U0010FFFF")) {
				t.Errorf("page %d bounds %q..%q longer than %d bytes", pg, lo, hi, table.PageIndexTruncate)
			}
		}
	}
	mw := cis[1]
	lo := math.Float64frombits(binary.LittleEndian.Uint64(mw.MinValues[0]))
	hi := math.Float64frombits(binary.LittleEndian.Uint64(mw.MaxValues[0]))
	wantLo, wantHi := slicesMin(mws), slicesMax(mws)
	if lo != wantLo || hi != wantHi || (lo == 0 && !math.Signbit(lo)) || (hi == 0 && math.Signbit(hi)) {
		t.Errorf("page index float bounds %v..%v (sign %v %v), want %v..%v with -0.0 min and +0.0 max", lo, hi, math.Signbit(lo), math.Signbit(hi), wantLo, wantHi)
	}
}

func slicesMin(v []float64) float64 {
	m := v[0]
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

func slicesMax(v []float64) float64 {
	m := v[0]
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
