package postcode

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// refTable is what a plain reading of Code-Point Open files (header
// postcode,pq,easting,northing,...) gives, with the standard library's gzip and
// CSV readers and a map: the reference Load's streamed, chunked, parallel parse
// and its packed keys must agree with, bit for bit.
type refTable struct {
	points                    []record.PostcodePoint
	sectors, outcodes         map[string]centroid
	read, used, dup, rejected []int // per file
	rejectedBy                []map[string]int
	firstRejections           []Rejection // the first 5 per file and reason
}

func refLoad(t testing.TB, paths []string) refTable {
	t.Helper()
	type pos struct{ lat, lng float64 }
	seen := map[string]pos{}
	var order []string
	ref := refTable{sectors: map[string]centroid{}, outcodes: map[string]centroid{}}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = bufio.NewReader(f)
		if magic, _ := r.(*bufio.Reader).Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			if r, err = gzip.NewReader(r); err != nil {
				t.Fatal(err)
			}
		}
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		var read, used, dup, rej int
		by := map[string]int{}
		perReason := map[string]int{}
		reject := func(line int, field, value, reason string) {
			rej++
			by[reason]++
			if perReason[reason]++; perReason[reason] <= maxExamples {
				ref.firstRejections = append(ref.firstRejections, Rejection{File: path, Line: line, Field: field, Value: truncate(value, 60), Reason: reason})
			}
		}
		for first := true; ; first = false {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if first {
				continue // the header
			}
			line, _ := cr.FieldPos(0)
			read++
			if len(rec) < 4 {
				reject(line, "row", strings.Join(rec, ","), RejectShortRow)
				continue
			}
			pc, ok := Normalize(rec[0])
			if !ok {
				reject(line, "postcode", rec[0], RejectInvalidPostcode)
				continue
			}
			e, err1 := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
			n, err2 := strconv.ParseFloat(strings.TrimSpace(rec[3]), 64)
			switch {
			case err1 != nil || math.IsNaN(e) || math.IsInf(e, 0):
				reject(line, "easting", rec[2], RejectBadCoordinate)
			case err2 != nil || math.IsNaN(n) || math.IsInf(n, 0):
				reject(line, "northing", rec[3], RejectBadCoordinate)
			case strings.TrimSpace(rec[1]) == "90":
				reject(line, "pq", rec[1], RejectNoCoordinates)
			case e == 0 && n == 0:
				reject(line, "easting,northing", rec[2]+","+rec[3], RejectNoCoordinates)
			case e < 0 || e >= osgb.MaxEasting:
				reject(line, "easting", rec[2], RejectBadCoordinate)
			case n < 0 || n >= osgb.MaxNorthing:
				reject(line, "northing", rec[3], RejectBadCoordinate)
			default:
				if _, dupe := seen[pc]; dupe {
					dup++
					continue
				}
				lat, lng := osgb.ToWGS84(e, n)
				seen[pc] = pos{lat, lng}
				order = append(order, pc)
				used++
			}
		}
		f.Close()
		ref.read, ref.used, ref.dup, ref.rejected = append(ref.read, read), append(ref.used, used), append(ref.dup, dup), append(ref.rejected, rej)
		ref.rejectedBy = append(ref.rejectedBy, by)
	}
	// Byte order of the normalized postcodes with the space below every digit
	// and letter: the table's key order (TestKeyOrder).
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	for _, pc := range order {
		p := seen[pc]
		ref.points = append(ref.points, record.PostcodePoint{Postcode: pc, Lat: p.lat, Lng: p.lng})
	}
	for _, cut := range []struct {
		drop int
		into map[string]centroid
	}{{2, ref.sectors}, {4, ref.outcodes}} {
		for i := 0; i < len(ref.points); {
			area := ref.points[i].Postcode[:len(ref.points[i].Postcode)-cut.drop]
			var lat, lng float64
			j := i
			for ; j < len(ref.points) && ref.points[j].Postcode[:len(ref.points[j].Postcode)-cut.drop] == area; j++ {
				lat += ref.points[j].Lat
				lng += ref.points[j].Lng
			}
			cut.into[area] = centroid{lat: lat / float64(j-i), lng: lng / float64(j-i), n: j - i}
			i = j
		}
	}
	return ref
}

// checkAgainstReference loads paths with Load and refLoad and wants the same
// points (positions bit for bit), centroids, counts and rejection examples.
func checkAgainstReference(t *testing.T, paths []string) {
	t.Helper()
	tab, srcs, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	ref := refLoad(t, paths)
	got := tab.Points()
	if len(got) != len(ref.points) {
		t.Fatalf("%d points, reference %d", len(got), len(ref.points))
	}
	for i := range got {
		if got[i] != ref.points[i] {
			t.Fatalf("point %d: %+v, reference %+v", i, got[i], ref.points[i])
		}
	}
	for _, c := range []struct {
		name     string
		ref      map[string]centroid
		centroid func(string) (float64, float64, bool)
		count    func(string) int
		areas    []string
	}{
		{"sector", ref.sectors, tab.SectorCentroid, tab.SectorCount, tab.Sectors()},
		{"district", ref.outcodes, tab.OutcodeCentroid, tab.OutcodeCount, tab.Outcodes()},
	} {
		if len(c.areas) != len(c.ref) {
			t.Errorf("%d %ss, reference %d", len(c.areas), c.name, len(c.ref))
		}
		for area, want := range c.ref {
			lat, lng, ok := c.centroid(area)
			if !ok || lat != want.lat || lng != want.lng || c.count(area) != want.n {
				t.Errorf("%s %s: (%v, %v) of %d, reference (%v, %v) of %d", c.name, area, lat, lng, c.count(area), want.lat, want.lng, want.n)
			}
		}
	}
	for i, s := range srcs {
		by := s.Counts.RejectedBy
		if by == nil {
			by = map[string]int{}
		}
		if s.Counts.Read != ref.read[i] || s.Counts.Used != ref.used[i] || s.Counts.Duplicate != ref.dup[i] ||
			s.Counts.Rejected != ref.rejected[i] || fmt.Sprint(by) != fmt.Sprint(ref.rejectedBy[i]) {
			t.Errorf("%s counts %+v, reference read %d used %d duplicate %d rejected %d %v",
				s.Path, s.Counts, ref.read[i], ref.used[i], ref.dup[i], ref.rejected[i], ref.rejectedBy[i])
		}
	}
	if fmt.Sprint(tab.Rejections()) != fmt.Sprint(ref.firstRejections) {
		t.Errorf("rejections\n%v\nreference\n%v", tab.Rejections(), ref.firstRejections)
	}
}

// syntheticCodePoint writes rows Code-Point Open rows in random order: valid
// units of a few districts, about 1 in 50 rejected for each reason, some
// repeated; crlf ends lines with \r\n, blank adds blank lines.
func syntheticCodePoint(rng *rand.Rand, rows int, crlf, blank bool) string {
	outcodes := []string{"AB1", "AB10", "B1", "B12", "EC1A", "LS1", "LS10", "WF11", "W1A", "ZE3"}
	unit := func() string {
		return fmt.Sprintf("%s %d%c%c", outcodes[rng.IntN(len(outcodes))], rng.IntN(10),
			inwardLetters[rng.IntN(len(inwardLetters))], inwardLetters[rng.IntN(len(inwardLetters))])
	}
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	var b strings.Builder
	b.WriteString("postcode,pq,easting,northing,country" + eol)
	var prev string
	for range rows {
		pc, pq, e, n := unit(), "10", strconv.Itoa(rng.IntN(650000)+1), strconv.Itoa(rng.IntN(1200000)+1)
		switch r := rng.IntN(300); {
		case r == 0:
			pc = "XX9 9XX" // no such area
		case r == 1:
			pq = "90"
		case r == 2:
			e, n = "0", "0"
		case r == 3:
			e = "7000000"
		case r == 4:
			n = "north"
		case r == 5:
			b.WriteString(pc + ",10" + eol)
			continue
		case r < 12 && prev != "":
			pc = prev // a repeat, later lines lose
		case r < 20:
			pc = strings.ToLower(strings.ReplaceAll(pc, " ", "")) // unnormalized
		}
		prev = pc
		fmt.Fprintf(&b, "%q,%s,%s,%s,\"E92000001\"%s", pc, pq, e, n, eol)
		if blank && rng.IntN(1000) == 0 {
			b.WriteString(eol)
		}
	}
	return b.String()
}

// TestLoadMatchesReference: synthetic tables of several chunks (gzipped or
// not, sorted or not, CRLF, blank lines, no final newline, a postcode in two
// files), each against the reference reading.
func TestLoadMatchesReference(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(29, 1))
	rows := 150000 // about 2.5 chunks of text
	if testing.Short() {
		rows = 20000
	}
	big := syntheticCodePoint(rng, rows, false, true)
	sortedRows := strings.Split(strings.TrimSuffix(big, "\n"), "\n")
	sort.Strings(sortedRows[1:])
	sortedText := strings.Join(sortedRows, "\n") // and no final newline
	a := writeFile(t, dir, "a.csv.gz", big, true)
	b := writeFile(t, dir, "b.csv", syntheticCodePoint(rng, rows/3, true, true), false)
	c := writeFile(t, dir, "sorted.csv", sortedText, false)
	// Sorted by key and without repeats, as Code-Point Open is published:
	// Load takes such rows without sorting them.
	uniq := map[string]string{}
	for _, row := range sortedRows[1:] {
		f := strings.Split(row, ",")
		if pc, ok := Normalize(strings.Trim(f[0], `"`)); ok && len(f) >= 4 {
			uniq[pc] = strings.Join(append([]string{pc}, f[1:]...), ",")
		}
	}
	var keys []string
	for pc := range uniq {
		keys = append(keys, pc)
	}
	sort.Strings(keys)
	var ub strings.Builder
	ub.WriteString("postcode,pq,easting,northing,country\n")
	for _, pc := range keys {
		ub.WriteString(uniq[pc] + "\n")
	}
	u := writeFile(t, dir, "unique.csv.gz", ub.String(), true)
	header := writeFile(t, dir, "header.csv", "postcode,pq,easting,northing\n", false)
	headerOnly := writeFile(t, dir, "headeronly.csv", "postcode,pq,easting,northing", false)
	for _, paths := range [][]string{{a}, {b}, {c}, {a, b}, {b, a, c}, {u}, {u, a}, {header}, {headerOnly, c}} {
		t.Run(strings.TrimSuffix(strings.Join(relNames(paths), "+"), ""), func(t *testing.T) {
			checkAgainstReference(t, paths)
		})
	}
}

func relNames(paths []string) []string {
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	return names
}

// TestLoadRealMatchesReference: the whole Code-Point Open table of ../shared.
func TestLoadRealMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the 1.7 M-row table twice")
	}
	checkAgainstReference(t, []string{shareddata.Path(t, "data/postcodes/postcodes-en.csv.gz")})
}
