package locations

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// PostcodeShard is one file of the postcodes shard set: every unit postcode of
// one outcode (district), keyed by its inward code, with the district's and its
// sectors' centroids, so that one request answers a unit, sector or district
// lookup. Coordinates are [lat, lng] in WGS84 degrees, rounded to 6 decimals.
type PostcodeShard struct {
	Outcode   string                `json:"outcode"`
	Centroid  [2]float64            `json:"centroid"`
	Sectors   map[string][2]float64 `json:"sectors"`   // sector digit ("8" for WF11 8) -> centroid
	Postcodes map[string][2]float64 `json:"postcodes"` // inward code ("8DX") -> position
}

// Centroid is a district's or sector's mean position over its unit postcodes.
type Centroid struct {
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	Postcodes int     `json:"postcodes"`
}

// postcodeTable is ds.Postcodes validated, sorted and without repeats, cut
// into outcodes.
type postcodeTable struct {
	points     []record.PostcodePoint
	outcodes   []outcodeRange // in postcode order
	duplicates int
}

type outcodeRange struct {
	outcode    string
	start, end int // points[start:end]
}

// splitPostcode splits a normalized "AA9A 9AA" postcode into outcode and inward
// code, or says why it is not one.
func splitPostcode(pc string) (outcode, inward string, err error) {
	sp := len(pc) - 4
	if sp < 2 || pc[sp] != ' ' {
		return "", "", fmt.Errorf("not in the normalized form \"AA9A 9AA\"")
	}
	outcode, inward = pc[:sp], pc[sp+1:]
	if len(outcode) > 4 || !isUpper(outcode[0]) {
		return "", "", fmt.Errorf("outcode %q is not 2-4 letters and digits starting with a letter", outcode)
	}
	for i := 1; i < len(outcode); i++ {
		if !isUpper(outcode[i]) && !isDigit(outcode[i]) {
			return "", "", fmt.Errorf("outcode %q has a character other than A-Z, 0-9", outcode)
		}
	}
	if !isDigit(inward[0]) || !isUpper(inward[1]) || !isUpper(inward[2]) {
		return "", "", fmt.Errorf("inward code %q is not a digit and two letters", inward)
	}
	return outcode, inward, nil
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// newPostcodeTable checks every point and cuts the table into outcodes. Points
// are expected sorted by postcode (record.Dataset's contract); an unsorted table
// is sorted (stably) rather than refused. Of a repeated postcode the first is kept.
func newPostcodeTable(pts []record.PostcodePoint) (*postcodeTable, error) {
	// One pass checks the points, their order and counts repeats: one
	// comparison of neighbours gives both (separate passes over the 1.7 M
	// Code-Point points cost twice the string comparisons).
	sorted, duplicates := true, 0
	for i := range pts {
		p := &pts[i]
		if _, _, err := splitPostcode(p.Postcode); err != nil {
			return nil, fmt.Errorf("locations: postcode table record %d: field Postcode %q: %v", i+1, p.Postcode, err)
		}
		if math.IsNaN(p.Lat) || math.IsNaN(p.Lng) || p.Lat < -90 || p.Lat > 90 || p.Lng < -180 || p.Lng > 180 {
			return nil, fmt.Errorf("locations: postcode table record %d (%s): field Lat/Lng (%v, %v) is not a WGS84 position", i+1, p.Postcode, p.Lat, p.Lng)
		}
		if i > 0 {
			switch c := strings.Compare(pts[i-1].Postcode, p.Postcode); {
			case c > 0:
				sorted = false
			case c == 0:
				duplicates++
			}
		}
	}
	if !sorted {
		pts = append([]record.PostcodePoint(nil), pts...)
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].Postcode < pts[j].Postcode })
		duplicates = 0
		for i := 1; i < len(pts); i++ {
			if pts[i].Postcode == pts[i-1].Postcode {
				duplicates++
			}
		}
	}
	t := &postcodeTable{points: pts, duplicates: duplicates}
	// Without repeats (a postcode.Table's points) the table is pts itself, read
	// only: a copy of 1.7 M points was 54 MB of the bake's peak heap.
	if t.duplicates > 0 {
		t.points = make([]record.PostcodePoint, 0, len(pts)-t.duplicates)
		for i := range pts {
			if i == 0 || pts[i].Postcode != pts[i-1].Postcode {
				t.points = append(t.points, pts[i])
			}
		}
	}
	// A district's postcodes are contiguous in sorted order: "AB1 " sorts before
	// "AB10" because the space sorts before every digit.
	for i := 0; i < len(t.points); {
		oc, _, _ := splitPostcode(t.points[i].Postcode)
		j := i + 1
		for j < len(t.points) && len(t.points[j].Postcode) == len(oc)+4 && t.points[j].Postcode[:len(oc)] == oc {
			j++
		}
		t.outcodes = append(t.outcodes, outcodeRange{oc, i, j})
		i = j
	}
	return t, nil
}

// meanAcc accumulates a centroid.
type meanAcc struct {
	lat, lng float64
	n        int
}

func (m *meanAcc) add(p *record.PostcodePoint) { m.lat += p.Lat; m.lng += p.Lng; m.n++ }
func (m meanAcc) centroid() Centroid {
	return Centroid{Lat: round6(m.lat / float64(m.n)), Lng: round6(m.lng / float64(m.n)), Postcodes: m.n}
}

// encodeShard writes one outcode's shard, compactly and in a fixed key order:
// {"outcode":"WF11","centroid":[..],"sectors":{"8":[..]},"postcodes":{"8DX":[53.7,-1.2],..}}.
// It also returns the sector centroids for the sector table.
func encodeShard(b []byte, oc string, pts []record.PostcodePoint) ([]byte, Centroid, []Centroid) {
	var all meanAcc
	var sectors [10]meanAcc // the sector is the inward code's digit
	for i := range pts {
		all.add(&pts[i])
		sectors[pts[i].Postcode[len(oc)+1]-'0'].add(&pts[i])
	}
	latLng := func(b []byte, lat, lng float64) []byte {
		b = append(b, '[')
		b = strconv.AppendFloat(b, round6(lat), 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, round6(lng), 'f', -1, 64)
		return append(b, ']')
	}
	c := all.centroid()
	b = append(b, `{"outcode":"`...)
	b = append(b, oc...)
	b = append(b, `","centroid":`...)
	b = latLng(b, c.Lat, c.Lng)
	b = append(b, `,"sectors":{`...)
	var secs []Centroid
	for d, s := range sectors {
		if s.n == 0 {
			continue
		}
		if len(secs) > 0 {
			b = append(b, ',')
		}
		sc := s.centroid()
		secs = append(secs, sc)
		b = append(b, '"', byte('0'+d), '"', ':')
		b = latLng(b, sc.Lat, sc.Lng)
	}
	b = append(b, `},"postcodes":{`...)
	for i := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, pts[i].Postcode[len(oc)+1:]...)
		b = append(b, '"', ':')
		b = latLng(b, pts[i].Lat, pts[i].Lng)
	}
	return append(b, '}', '}'), c, secs
}

// sectorNames names the non-empty sectors of oc in digit order, matching the
// centroids encodeShard returns.
func sectorNames(oc string, pts []record.PostcodePoint) []string {
	var seen [10]bool
	for i := range pts {
		seen[pts[i].Postcode[len(oc)+1]-'0'] = true
	}
	var names []string
	for d, ok := range seen {
		if ok {
			names = append(names, oc+" "+string(rune('0'+d)))
		}
	}
	return names
}

// postcodeRow is a row of postcodes.parquet.
type postcodeRow struct {
	Postcode string  `parquet:"postcode,delta"`
	Outcode  string  `parquet:"outcode,dict"`
	Sector   string  `parquet:"sector,dict"`
	Lat      float64 `parquet:"lat,split"`
	Lng      float64 `parquet:"lng,split"`
}

var postcodeColumns = []manifest.Column{
	{Name: "postcode", Type: "string"},
	{Name: "outcode", Type: "string"},
	{Name: "sector", Type: "string"},
	{Name: "lat", Type: "float64"},
	{Name: "lng", Type: "float64"},
}

// encodeParquet writes the whole table, sorted by postcode, zstd-compressed.
func encodeParquet(t *postcodeTable) ([]byte, error) {
	codec, err := newParquetZstd()
	if err != nil {
		return nil, err
	}
	return encodeParquetWith(t, codec)
}

// encodeParquetWith is encodeParquet with another zstd codec (tests compare
// parquetZstd's file with parquet-go's codec's).
func encodeParquetWith(t *postcodeTable, codec compress.Codec) ([]byte, error) {
	// The real table encodes to about 12 bytes a row (20.3 MB for 1.68 M):
	// room for that up front spares the buffer's doublings, the last of which
	// held 16 and 32 MB at once.
	var buf bytes.Buffer
	buf.Grow(12*len(t.points) + 64<<10)
	pw := parquet.NewGenericWriter[postcodeRow](&buf,
		parquet.Compression(codec),
		parquet.CreatedBy("prebake", "1", "locations"),
		parquet.MaxRowsPerRowGroup(256*1024),
		parquet.SortingWriterConfig(parquet.SortingColumns(parquet.Ascending("postcode"))),
	)
	rows := make([]postcodeRow, 0, 8192)
	for _, r := range t.outcodes {
		for i := r.start; i < r.end; i++ {
			p := &t.points[i]
			rows = append(rows, postcodeRow{
				Postcode: p.Postcode,
				Outcode:  r.outcode,
				Sector:   p.Postcode[:len(r.outcode)+2],
				Lat:      p.Lat,
				Lng:      p.Lng,
			})
			if len(rows) == cap(rows) {
				if _, err := pw.Write(rows); err != nil {
					return nil, err
				}
				rows = rows[:0]
			}
		}
	}
	if _, err := pw.Write(rows); err != nil {
		return nil, err
	}
	if err := pw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Attribution for postcode tables from Code-Point Open or the ONS Postcode
// Directory, which the OGL requires next to the data; a synthetic sample's
// invented postcodes must not claim it.
const (
	postcodeAttribution  = "Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right; Contains National Statistics data © Crown copyright and database right"
	syntheticAttribution = "SYNTHETIC postcodes invented by prebake sample: not real data"
)

// attribution is what the postcode inputs require (record.Dataset's
// PostcodeAttribution); "" falls back on the flag: the OGL statement, or the
// synthetic note when every postcode input is synthetic.
func writePostcodes(t *postcodeTable, w *writer.Writer, opts Options, synthetic bool, attribution string, s *Summary) error {
	if attribution == "" {
		attribution = postcodeAttribution
		if synthetic {
			attribution = syntheticAttribution
		}
	}
	// The Parquet table is encoded alongside the shards.
	var pq []byte
	var pqErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pq, pqErr = encodeParquet(t)
	}()

	// Each worker encodes a shard into its own buffer and adds it to the set,
	// which writes it at once: no shard outlives its encoding (held until all
	// were encoded, the 47 MB of shards weighed on the bake's peak heap).
	n := len(t.outcodes)
	sizes := make([]int, n)
	errs := make([]error, n)
	dists := make([]Centroid, n)
	secs := make([][]Centroid, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	// Six-decimal coordinates: brotli's faster level is 2% larger here for
	// half the CPU (writer.BrotliFastLevel).
	set := w.NewFileSet(PostcodeShardDir).CompressFast()
	var sw sync.WaitGroup
	for range opts.Workers {
		sw.Add(1)
		go func() {
			defer sw.Done()
			var buf []byte
			for i := range next {
				r := t.outcodes[i]
				buf, dists[i], secs[i] = encodeShard(buf[:0], r.outcode, t.points[r.start:r.end])
				sizes[i], errs[i] = len(buf), set.Add(r.outcode+".json", buf)
			}
		}()
	}
	sw.Wait()

	outC := map[string]Centroid{}
	secC := map[string]Centroid{}
	for i, r := range t.outcodes {
		if err := errs[i]; err != nil {
			wg.Wait()
			return fmt.Errorf("locations: postcode shard %s: %w", r.outcode, err)
		}
		size := int64(sizes[i])
		s.ShardBytes += size
		if size > s.LargestShardBytes {
			s.LargestShard, s.LargestShardBytes = r.outcode, size
		}
		outC[r.outcode] = dists[i]
		for j, name := range sectorNames(r.outcode, t.points[r.start:r.end]) {
			secC[name] = secs[i][j]
		}
	}
	s.PostcodeShards, s.Sectors = n, len(secC)
	ss, err := set.FinishShardSet(PostcodeShardSet, PostcodeShardKey, PostcodeShardURL, map[string]any{
		"key":         "outcode: the postcode without its last three characters and spaces, upper-case",
		"format":      `{"outcode":"WF11","centroid":[lat,lng],"sectors":{"8":[lat,lng]},"postcodes":{"8DX":[lat,lng]}}`,
		"decimals":    6,
		"crs":         "EPSG:4326",
		"outcodes":    n,
		"postcodes":   len(t.points),
		"attribution": attribution,
	})
	if err != nil {
		wg.Wait()
		return fmt.Errorf("locations: postcode shards: %w", err)
	}
	s.PostcodeShardsPath = ss.Path

	for _, f := range []struct {
		name string
		m    map[string]Centroid
	}{{OutcodeCentroidsName, outC}, {SectorCentroidsName, secC}} {
		if _, err := w.WriteAsset(f.name, encodeCentroids(f.m), writer.Meta{ContentType: "application/json"}); err != nil {
			wg.Wait()
			return fmt.Errorf("locations: writing %s: %w", f.name, err)
		}
	}

	wg.Wait()
	if pqErr != nil {
		return fmt.Errorf("locations: encoding %s: %w", PostcodesParquetName, pqErr)
	}
	rows := int64(len(t.points))
	if _, err := w.WriteAsset(PostcodesParquetName, pq, writer.Meta{ContentType: "application/vnd.apache.parquet", Rows: &rows, Columns: postcodeColumns}); err != nil {
		return fmt.Errorf("locations: writing %s: %w", PostcodesParquetName, err)
	}
	s.ParquetBytes = int64(len(pq))
	return nil
}

// encodeCentroids writes {"WF11":{"lat":..,"lng":..,"postcodes":n},...}, keys sorted.
func encodeCentroids(m map[string]Centroid) []byte {
	b := []byte{'{'}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		c := m[k]
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":{"lat":`...)
		b = strconv.AppendFloat(b, c.Lat, 'f', -1, 64)
		b = append(b, `,"lng":`...)
		b = strconv.AppendFloat(b, c.Lng, 'f', -1, 64)
		b = append(b, `,"postcodes":`...)
		b = strconv.AppendInt(b, int64(c.Postcodes), 10)
		b = append(b, '}')
	}
	return append(b, '}')
}
