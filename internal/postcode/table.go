package postcode

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/prebake/prebake/internal/osgb"
	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/manifest"
)

// Input formats Load detects, as recorded in manifest.Source.Format.
const (
	FormatCodePoint         = "codepoint-open-csv"            // header postcode,pq,easting,northing,...
	FormatCodePointHeadless = "codepoint-open-csv-headerless" // OS's own files: PC,PQ,EA,NO,CY,... without header
	FormatONSPD             = "onspd-csv"                     // ONS Postcode Directory: pcds/pcd/pcd7/pcd8 + lat,long
	FormatLatLng            = "postcode-latlng-csv"           // postcode,lat,lng
)

// Reasons a postcode row is rejected (manifest.SourceCounts.RejectedBy keys).
const (
	RejectInvalidPostcode = "invalid_postcode"
	RejectNoCoordinates   = "no_coordinates" // Code-Point quality 90 / 0,0; ONSPD lat 99.999999
	RejectBadCoordinate   = "bad_coordinate" // unparseable or out-of-range number
	RejectShortRow        = "short_row"      // fewer fields than the header
)

// Rejection is one rejected row, kept as an example for error reports.
type Rejection struct {
	File   string
	Line   int // 1-based line in the (decompressed) file
	Field  string
	Value  string
	Reason string
}

func (r Rejection) String() string {
	return fmt.Sprintf("%s:%d: field %s %q: %s", r.File, r.Line, r.Field, r.Value, r.Reason)
}

// maxExamples bounds the rejection examples kept per file and reason.
const maxExamples = 5

type centroid struct {
	lat, lng float64
	n        int
}

// Table maps unit postcodes to WGS84 positions, with sector and district centroids.
type Table struct {
	keys     []uint64 // encoded normalized postcodes, sorted (same order as the strings)
	lat, lng []float64
	sectors  map[string]centroid
	outcodes map[string]centroid
	rejected []Rejection
}

// Len is the number of unit postcodes in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.keys)
}

// Rejections returns examples of rejected rows (up to 5 per file and reason), in file and line order.
func (t *Table) Rejections() []Rejection {
	if t == nil {
		return nil
	}
	return t.rejected
}

// Lookup returns the position of a unit postcode (any spacing or case).
func (t *Table) Lookup(pc string) (lat, lng float64, ok bool) {
	n, ok := Normalize(pc)
	if !ok || t == nil {
		return 0, 0, false
	}
	k := encode(n)
	i, found := slices.BinarySearch(t.keys, k)
	if !found {
		return 0, 0, false
	}
	return t.lat[i], t.lng[i], true
}

// SectorCentroid returns the mean position of the units in a sector ("WF11 8").
func (t *Table) SectorCentroid(sector string) (lat, lng float64, ok bool) {
	s, ok := NormalizeSector(sector)
	if !ok || t == nil {
		return 0, 0, false
	}
	c, ok := t.sectors[s]
	return c.lat, c.lng, ok
}

// OutcodeCentroid returns the mean position of the units in a district ("WF11").
func (t *Table) OutcodeCentroid(outcode string) (lat, lng float64, ok bool) {
	o, ok := NormalizeOutcode(outcode)
	if !ok || t == nil {
		return 0, 0, false
	}
	c, ok := t.outcodes[o]
	return c.lat, c.lng, ok
}

// SectorCount and OutcodeCount return how many units a centroid averages (0 if unknown).
func (t *Table) SectorCount(sector string) int {
	if t == nil {
		return 0
	}
	s, _ := NormalizeSector(sector)
	return t.sectors[s].n
}

// OutcodeCount returns how many units the district centroid averages.
func (t *Table) OutcodeCount(outcode string) int {
	if t == nil {
		return 0
	}
	o, _ := NormalizeOutcode(outcode)
	return t.outcodes[o].n
}

// Points returns every unit postcode with its position, sorted by postcode.
func (t *Table) Points() []record.PostcodePoint {
	if t == nil {
		return nil
	}
	pts := make([]record.PostcodePoint, len(t.keys))
	for i, k := range t.keys {
		pts[i] = record.PostcodePoint{Postcode: decode(k), Lat: t.lat[i], Lng: t.lng[i]}
	}
	return pts
}

// Postcodes are packed into a uint64, 6 bits a character of the normalized form
// (at most 8 with the space), with codes that keep byte order: pad < space <
// digits < letters. Sorting keys therefore sorts the postcode strings.
func charCode(c byte) uint64 {
	switch {
	case c == ' ':
		return 1
	case isDigit(c):
		return uint64(c-'0') + 2
	default:
		return uint64(c-'A') + 12
	}
}

func encode(normalized string) uint64 {
	var k uint64
	for i := 0; i < 8; i++ {
		k <<= 6
		if i < len(normalized) {
			k |= charCode(normalized[i])
		}
	}
	return k
}

func decode(k uint64) string {
	var b [8]byte
	n := 0
	for i := 7; i >= 0; i-- {
		c := (k >> (6 * uint(i))) & 63
		switch {
		case c == 0:
			continue
		case c == 1:
			b[n] = ' '
		case c < 12:
			b[n] = byte(c-2) + '0'
		default:
			b[n] = byte(c-12) + 'A'
		}
		n++
	}
	return string(b[:n])
}

// entry is one accepted row before de-duplication.
type entry struct {
	key      uint64
	seq      uint64 // file index << 32 | line: first occurrence wins
	lat, lng float64
}

// layout says where a format's fields are.
type layout struct {
	format           string
	pc               int
	x, y             int  // easting/northing or lat/lng columns
	grid             bool // x, y are OSGB36 eastings/northings
	pq               int  // Code-Point positional quality column, -1 if none
	minFields        int
	skipHeader       bool
	fieldX, fieldY   string
	fieldPC, fieldPQ string
}

func indexOf(names []string, want ...string) int {
	for _, w := range want {
		for i, n := range names {
			if n == w {
				return i
			}
		}
	}
	return -1
}

// detect picks the format from the first line.
func detect(path, first string) (layout, error) {
	fields := splitCSV(first, nil)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = strings.ToLower(strings.TrimSpace(f))
	}
	if len(names) > 0 {
		names[0] = strings.TrimPrefix(names[0], "\ufeff")
	}
	// ONSPD first: it also has a "postcode"-like column and eastings (oseast1m).
	if pc := indexOf(names, "pcds", "pcd", "pcd7", "pcd8"); pc >= 0 {
		lat, lng := indexOf(names, "lat"), indexOf(names, "long")
		if lat < 0 || lng < 0 {
			return layout{}, fmt.Errorf("%s:1: ONS Postcode Directory header has %s but no lat/long columns", path, names[pc])
		}
		return layout{format: FormatONSPD, pc: pc, x: lat, y: lng, pq: -1, skipHeader: true,
			minFields: max(pc, lat, lng) + 1, fieldPC: names[pc], fieldX: "lat", fieldY: "long"}, nil
	}
	if pc := indexOf(names, "postcode", "pc"); pc >= 0 {
		if e, n := indexOf(names, "easting", "ea", "eastings"), indexOf(names, "northing", "no", "northings"); e >= 0 && n >= 0 {
			return layout{format: FormatCodePoint, pc: pc, x: e, y: n, grid: true, pq: indexOf(names, "pq", "positional_quality_indicator"),
				skipHeader: true, minFields: max(pc, e, n) + 1, fieldPC: names[pc], fieldX: names[e], fieldY: names[n], fieldPQ: "pq"}, nil
		}
		if lat, lng := indexOf(names, "lat", "latitude"), indexOf(names, "lng", "lon", "long", "longitude"); lat >= 0 && lng >= 0 {
			return layout{format: FormatLatLng, pc: pc, x: lat, y: lng, pq: -1, skipHeader: true,
				minFields: max(pc, lat, lng) + 1, fieldPC: names[pc], fieldX: names[lat], fieldY: names[lng]}, nil
		}
		return layout{}, fmt.Errorf("%s:1: header %q has a postcode column but neither easting,northing nor lat,lng", path, first)
	}
	// Headerless Code-Point Open: "AB101AA",10,394251,806376,"S92000003",...
	if len(fields) >= 4 {
		if _, ok := Normalize(fields[0]); ok {
			_, e1 := strconv.Atoi(strings.TrimSpace(fields[2]))
			_, e2 := strconv.Atoi(strings.TrimSpace(fields[3]))
			if e1 == nil && e2 == nil {
				return layout{format: FormatCodePointHeadless, pc: 0, x: 2, y: 3, grid: true, pq: 1, minFields: 4,
					fieldPC: "PC", fieldX: "EA", fieldY: "NO", fieldPQ: "PQ"}, nil
			}
		}
	}
	return layout{}, fmt.Errorf("%s:1: unrecognised postcode table header %q (want Code-Point Open postcode,pq,easting,northing; ONSPD pcds,...,lat,long; or postcode,lat,lng)", path, truncate(first, 120))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// splitCSV splits one CSV line into fields, removing the quotes of quoted fields
// (postcode tables never quote commas or quotes, so no unescaping is needed; a
// quoted comma would show up as a bad field and be rejected).
func splitCSV(line string, dst []string) []string {
	dst = dst[:0]
	for {
		i := strings.IndexByte(line, ',')
		f := line
		if i >= 0 {
			f = line[:i]
		}
		if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
			f = f[1 : len(f)-1]
		}
		dst = append(dst, f)
		if i < 0 {
			return dst
		}
		line = line[i+1:]
	}
}

// chunkResult is what one worker parsed from a run of whole lines.
type chunkResult struct {
	entries  []entry
	lines    int
	rejected map[string]int
	examples []Rejection // Line relative to the chunk until merged
}

func (c *chunkResult) reject(line int, field, value, reason string) {
	c.rejected[reason]++
	n := 0
	for _, e := range c.examples {
		if e.Reason == reason {
			n++
		}
	}
	if n < maxExamples {
		c.examples = append(c.examples, Rejection{Line: line, Field: field, Value: truncate(value, 60), Reason: reason})
	}
}

// parseFloat is strconv.ParseFloat without allocating for the common case.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

func parseChunk(data []byte, lay layout, fileIdx uint64, firstLine int) *chunkResult {
	res := &chunkResult{rejected: map[string]int{}}
	var fields []string
	line := firstLine
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var raw []byte
		if i < 0 {
			raw, data = data, nil
		} else {
			raw, data = data[:i], data[i+1:]
		}
		line++
		if len(raw) > 0 && raw[len(raw)-1] == '\r' {
			raw = raw[:len(raw)-1]
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue // blank lines are not rows
		}
		res.lines++
		s := string(raw)
		fields = splitCSV(s, fields)
		if len(fields) < lay.minFields {
			res.reject(line, "row", s, RejectShortRow)
			continue
		}
		pc, ok := Normalize(fields[lay.pc])
		if !ok {
			res.reject(line, lay.fieldPC, fields[lay.pc], RejectInvalidPostcode)
			continue
		}
		x, okx := parseNumber(fields[lay.x])
		if !okx {
			res.reject(line, lay.fieldX, fields[lay.x], RejectBadCoordinate)
			continue
		}
		y, oky := parseNumber(fields[lay.y])
		if !oky {
			res.reject(line, lay.fieldY, fields[lay.y], RejectBadCoordinate)
			continue
		}
		var lat, lng float64
		if lay.grid {
			// Code-Point Open marks postcodes without coordinates with quality 90 and 0,0.
			if lay.pq >= 0 && len(fields) > lay.pq && strings.TrimSpace(fields[lay.pq]) == "90" {
				res.reject(line, lay.fieldPQ, fields[lay.pq], RejectNoCoordinates)
				continue
			}
			if x == 0 && y == 0 {
				res.reject(line, lay.fieldX+","+lay.fieldY, fields[lay.x]+","+fields[lay.y], RejectNoCoordinates)
				continue
			}
			if x < 0 || x >= osgb.MaxEasting {
				res.reject(line, lay.fieldX, fields[lay.x], RejectBadCoordinate)
				continue
			}
			if y < 0 || y >= osgb.MaxNorthing {
				res.reject(line, lay.fieldY, fields[lay.y], RejectBadCoordinate)
				continue
			}
			lat, lng = osgb.ToWGS84(x, y)
		} else {
			// ONSPD's "no grid reference" rows carry lat 99.999999, long 0.
			if x > 90 && lay.format == FormatONSPD {
				res.reject(line, lay.fieldX, fields[lay.x], RejectNoCoordinates)
				continue
			}
			if x < -90 || x > 90 {
				res.reject(line, lay.fieldX, fields[lay.x], RejectBadCoordinate)
				continue
			}
			if y < -180 || y > 180 {
				res.reject(line, lay.fieldY, fields[lay.y], RejectBadCoordinate)
				continue
			}
			lat, lng = x, y
		}
		res.entries = append(res.entries, entry{key: encode(pc), seq: fileIdx<<32 | uint64(line), lat: lat, lng: lng})
	}
	return res
}

// readAll reads a file, returning its SHA-256 and the content, gunzipped when it
// starts with the gzip magic bytes.
func readAll(path string) (sum string, data []byte, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	h := sha256.Sum256(raw)
	sum = hex.EncodeToString(h[:])
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return "", nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		var buf bytes.Buffer
		buf.Grow(len(raw) * 6)
		if _, err := io.Copy(&buf, zr); err != nil {
			return "", nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		return sum, buf.Bytes(), nil
	}
	return sum, raw, nil
}

// Load reads postcode tables, detecting each file's format from its first line
// (and gzip from its magic bytes). When a postcode appears more than once, the
// first occurrence (earlier file, then earlier line) wins and later ones count
// as duplicates. Every row is accounted for in the returned sources; rows that
// cannot be used are counted by reason and kept as examples in Rejections. A
// file that cannot be read or whose header is not recognised is an error.
func Load(paths []string) (*Table, []manifest.Source, error) {
	sources := make([]manifest.Source, len(paths))
	var all []entry
	t := &Table{}
	for fi, path := range paths {
		sum, data, err := readAll(path)
		if err != nil {
			return nil, nil, err
		}
		nl := bytes.IndexByte(data, '\n')
		first := data
		if nl >= 0 {
			first = data[:nl]
		}
		if len(bytes.TrimSpace(first)) == 0 {
			return nil, nil, fmt.Errorf("%s:1: empty postcode table", path)
		}
		lay, err := detect(path, strings.TrimRight(string(first), "\r"))
		if err != nil {
			return nil, nil, err
		}
		body, startLine := data, 0
		if lay.skipHeader {
			if nl < 0 {
				body = nil
			} else {
				body = data[nl+1:]
			}
			startLine = 1
		}
		results := parseParallel(body, lay, uint64(fi), startLine)
		src := manifest.Source{Path: path, SHA256: sum, Format: lay.format, Kind: "postcodes",
			Counts: manifest.SourceCounts{RejectedBy: map[string]int{}}}
		for _, r := range results {
			src.Counts.Read += r.lines
			for reason, n := range r.rejected {
				src.Counts.RejectedBy[reason] += n
				src.Counts.Rejected += n
			}
			for _, ex := range r.examples {
				ex.File = path
				if countReason(t.rejected, path, ex.Reason) < maxExamples {
					t.rejected = append(t.rejected, ex)
				}
			}
			all = append(all, r.entries...)
		}
		if len(src.Counts.RejectedBy) == 0 {
			src.Counts.RejectedBy = nil
		}
		sources[fi] = src
	}
	// pdqsort is near-linear on Code-Point's already sorted rows.
	slices.SortFunc(all, func(a, b entry) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		if a.seq < b.seq {
			return -1
		}
		if a.seq > b.seq {
			return 1
		}
		return 0
	})
	t.keys = make([]uint64, 0, len(all))
	t.lat = make([]float64, 0, len(all))
	t.lng = make([]float64, 0, len(all))
	for i, e := range all {
		if i > 0 && e.key == all[i-1].key {
			sources[e.seq>>32].Counts.Duplicate++
			continue
		}
		sources[e.seq>>32].Counts.Used++
		t.keys = append(t.keys, e.key)
		t.lat = append(t.lat, e.lat)
		t.lng = append(t.lng, e.lng)
	}
	t.centroids()
	return t, sources, nil
}

func countReason(rs []Rejection, file, reason string) int {
	n := 0
	for _, r := range rs {
		if r.File == file && r.Reason == reason {
			n++
		}
	}
	return n
}

// parseParallel splits body at line boundaries and parses the pieces
// concurrently; results come back in file order, so the outcome does not depend
// on GOMAXPROCS.
func parseParallel(body []byte, lay layout, fileIdx uint64, startLine int) []*chunkResult {
	const chunkSize = 4 << 20
	var chunks [][]byte
	for len(body) > 0 {
		n := min(chunkSize, len(body))
		if n < len(body) {
			if j := bytes.IndexByte(body[n:], '\n'); j >= 0 {
				n += j + 1
			} else {
				n = len(body)
			}
		}
		chunks = append(chunks, body[:n])
		body = body[n:]
	}
	// Line numbers: count each chunk's newlines first (cheap) so workers know where they start.
	starts := make([]int, len(chunks))
	line := startLine
	for i, c := range chunks {
		starts[i] = line
		line += bytes.Count(c, []byte{'\n'})
	}
	results := make([]*chunkResult, len(chunks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			results[i] = parseChunk(chunks[i], lay, fileIdx, starts[i])
			<-sem
		}(i)
	}
	wg.Wait()
	return results
}

// centroids computes sector and district centroids as the mean position of their
// units. Keys are sorted, so every sector and district is a contiguous run and
// the sums are taken in a fixed order.
func (t *Table) centroids() {
	t.sectors = map[string]centroid{}
	t.outcodes = map[string]centroid{}
	var pcs []string
	for _, k := range t.keys {
		pcs = append(pcs, decode(k))
	}
	sum := func(prefix func(string) string, into map[string]centroid) {
		for i := 0; i < len(pcs); {
			p := prefix(pcs[i])
			j := i
			var slat, slng float64
			for j < len(pcs) && prefix(pcs[j]) == p {
				slat += t.lat[j]
				slng += t.lng[j]
				j++
			}
			n := j - i
			into[p] = centroid{lat: slat / float64(n), lng: slng / float64(n), n: n}
			i = j
		}
	}
	sum(func(s string) string { return s[:len(s)-2] }, t.sectors)
	sum(func(s string) string { return s[:len(s)-4] }, t.outcodes)
}

// Sectors returns the sector codes in the table, sorted.
func (t *Table) Sectors() []string {
	if t == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(t.sectors))
}

// Outcodes returns the district codes in the table, sorted.
func (t *Table) Outcodes() []string {
	if t == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(t.outcodes))
}

// Units returns the positions of the unit postcodes of a sector ("PO6 1") or a
// district ("PO6"), in postcode order, as views into the table (do not modify);
// empty when the table has none. The geocoder measures a grid reference against
// these to allow for the extent of the sector or district, not just its centroid.
func (t *Table) Units(area string) (lat, lng []float64) {
	if t == nil {
		return nil, nil
	}
	prefix, ok := NormalizeSector(area)
	if o, isOutcode := NormalizeOutcode(area); isOutcode && !(ok && strings.Contains(area, " ")) {
		prefix, ok = o+" ", true // "PO6 " so that PO60 is not taken for PO6
	}
	if !ok {
		return nil, nil
	}
	shift := uint(6 * (8 - len(prefix)))
	want := encode(prefix) >> shift
	lo, _ := slices.BinarySearch(t.keys, encode(prefix))
	hi := lo
	for hi < len(t.keys) && t.keys[hi]>>shift == want {
		hi++
	}
	return t.lat[lo:hi], t.lng[lo:hi]
}
