// Package dataset gives the generators' tests and benchmarks their input the
// way a bake makes it (internal/bake: source.Read, source.JoinCMUs,
// postcode.Load, geocode.Apply): the real register in ../shared, read once per
// test binary, and the bundled synthetic sample. One loader, so that every
// package's real-data tests see the same components.
package dataset

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/prebake/prebake/internal/geocode"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/source"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// RealPostcodeTable is the Code-Point Open table in ../shared that Real
// geocodes with, relative to shareddata.Dir().
const RealPostcodeTable = "data/postcodes/postcodes-en.csv.gz"

// Load reads register files (globs allowed, any format source.Read accepts),
// joins the CMU rows, loads the postcode table at postcodes and geocodes the
// components with it. The Dataset's Postcodes are the table's points.
// Errors are source.Read's and postcode.Load's.
func Load(sources []string, postcodes string) (*record.Dataset, *postcode.Table, error) {
	res, err := source.Read(sources, "")
	if err != nil {
		return nil, nil, err
	}
	source.JoinCMUs(res.Components, res.CMUs)
	table, _, err := postcode.Load([]string{postcodes})
	if err != nil {
		return nil, nil, err
	}
	geocode.Apply(res.Components, table)
	return &record.Dataset{Components: res.Components, CMUs: res.CMUs, Postcodes: table.Points()}, table, nil
}

var real struct {
	once  sync.Once
	ds    *record.Dataset
	table *postcode.Table
	err   error
}

func loadReal(t testing.TB) {
	t.Helper()
	dir := shareddata.Path(t, "data/register")
	pcs := shareddata.Path(t, RealPostcodeTable)
	real.once.Do(func() {
		real.ds, real.table, real.err = Load([]string{filepath.Join(dir, "components_*.json"), filepath.Join(dir, "cmu_register_rows.json")}, pcs)
	})
	if real.err != nil {
		t.Fatal(real.err)
	}
}

// Real returns the real register in ../shared (components and CMU rows),
// geocoded with RealPostcodeTable, whose points are its Postcodes. It is read
// once per test binary: each call returns a new Dataset whose slices are
// shared, so a caller may set its fields but must not modify the slices.
// Skips t without ../shared outside CI (shareddata.Path).
func Real(t testing.TB) *record.Dataset {
	t.Helper()
	loadReal(t)
	ds := *real.ds
	return &ds
}

// RealPostcodes returns the postcode table Real geocodes with (read once).
func RealPostcodes(t testing.TB) *postcode.Table {
	t.Helper()
	loadReal(t)
	return real.table
}

// Sample writes the bundled synthetic sample of n components (0: the
// production-sized 64,000) into a temporary directory of tb and loads it as a
// bake does, marked synthetic as a bake of it is.
func Sample(tb testing.TB, n int) *record.Dataset {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := sample.Write(dir, sample.Options{Components: n}); err != nil {
		tb.Fatal(err)
	}
	ds, _, err := Load([]string{filepath.Join(dir, sample.ComponentsPrefix+"*.json"), filepath.Join(dir, sample.CMURowsFile)},
		filepath.Join(dir, sample.PostcodesFile))
	if err != nil {
		tb.Fatal(err)
	}
	ds.Synthetic, ds.PostcodesSynthetic, ds.PostcodeAttribution = true, true, "synthetic"
	return ds
}
