package postcode

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
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
// The postcode strings share one backing string: 1.7 M separate 8-byte strings
// were as many heap objects for the collector to mark for the whole bake.
func (t *Table) Points() []record.PostcodePoint {
	if t == nil {
		return nil
	}
	var sb strings.Builder
	sb.Grow(8 * len(t.keys))
	var b [8]byte
	for _, k := range t.keys {
		sb.Write(b[:decodeInto(&b, k)])
	}
	all := sb.String()
	pts := make([]record.PostcodePoint, len(t.keys))
	off := 0
	for i, k := range t.keys {
		n := 8 - bits.TrailingZeros64(k)/6
		pts[i] = record.PostcodePoint{Postcode: all[off : off+n], Lat: t.lat[i], Lng: t.lng[i]}
		off += n
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

func encode[S string | []byte](normalized S) uint64 {
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
	return string(b[:decodeInto(&b, k)])
}

// decodeInto writes the postcode of key k into b and returns its length.
func decodeInto(b *[8]byte, k uint64) int {
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
	return n
}

// keyPrefix is the key of k's postcode without its last drop characters
// ("WF11 8DX" less 2 is the sector "WF11 8", less 4 the district "WF11"). A key
// is its characters left-aligned with zero padding after them, and no
// character's code is 0, so the padding is the key's trailing zero bits
// divided by 6, rounded down.
func keyPrefix(k uint64, drop int) uint64 {
	n := 8 - bits.TrailingZeros64(k)/6
	shift := uint(6 * (8 - n + drop))
	return k >> shift << shift
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
	examples []Rejection // File is set when merged
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
		// value is a view into the chunk's text: a copy lets the chunk go.
		c.examples = append(c.examples, Rejection{Line: line, Field: field, Value: strings.Clone(truncate(value, 60)), Reason: reason})
	}
}

// parseNumber is strconv.ParseFloat of the trimmed field, refusing NaN and infinities.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// parseChunk parses text, whole lines of which the first is line firstLine+1
// of the file; rows sizes the entries (the number of lines, at most).
func parseChunk(text string, lay layout, fileIdx uint64, firstLine, rows int) *chunkResult {
	res := &chunkResult{rejected: map[string]int{}, entries: make([]entry, 0, rows)}
	var fields []string
	var pc [8]byte
	line := firstLine
	for len(text) > 0 {
		var s string
		if i := strings.IndexByte(text, '\n'); i < 0 {
			s, text = text, ""
		} else {
			s, text = text[:i], text[i+1:]
		}
		line++
		s = strings.TrimSuffix(s, "\r")
		if len(strings.TrimSpace(s)) == 0 {
			continue // blank lines are not rows
		}
		res.lines++
		fields = splitCSV(s, fields)
		if len(fields) < lay.minFields {
			res.reject(line, "row", s, RejectShortRow)
			continue
		}
		n := normalizeInto(&pc, fields[lay.pc])
		if n == 0 {
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
		res.entries = append(res.entries, entry{key: encode(pc[:n]), seq: fileIdx<<32 | uint64(line), lat: lat, lng: lng})
	}
	return res
}

// chunkSize is about how much decompressed text one parse worker takes at a time.
const chunkSize = 4 << 20

// loadFile reads one postcode table, gunzipping it when it starts with the gzip
// magic bytes, and parses it in runs of whole lines. Decompression is serial;
// the runs are parsed concurrently while the next is decompressed (at most
// GOMAXPROCS at once, so at most that many runs are held), and the results come
// back in file order, so the outcome does not depend on GOMAXPROCS. The SHA-256
// is of the file as stored.
func loadFile(path string, fileIdx uint64) (lay layout, sum string, results []*chunkResult, err error) {
	f, err := os.Open(path)
	if err != nil {
		return lay, "", nil, err
	}
	defer f.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, h), 1<<16)
	var text io.Reader = br
	readErr := func(err error) error { return err }
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return lay, "", nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return lay, "", nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		text = zr
		readErr = func(err error) error { return fmt.Errorf("%s: gzip: %w", path, err) }
	}

	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	defer wg.Wait() // on an error, the runs already started finish first
	parse := func(text string, firstLine, rows int) {
		r := &chunkResult{}
		results = append(results, r)
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			*r = *parseChunk(text, lay, fileIdx, firstLine, rows)
			<-sem
		}()
	}

	buf := make([]byte, chunkSize)
	have, line, first := 0, 0, true // have: bytes of an unfinished line kept at buf[:have]
	for {
		// Not io.ReadFull: it reports a short final read as io.ErrUnexpectedEOF,
		// which is also what a truncated gzip stream returns.
		var err error
		for have < len(buf) && err == nil {
			var n int
			n, err = text.Read(buf[have:])
			have += n
		}
		eof := err == io.EOF
		if err != nil && !eof {
			return lay, "", nil, readErr(err)
		}
		cut := have
		if !eof {
			cut = bytes.LastIndexByte(buf[:have], '\n') + 1
			if cut == 0 { // a line longer than the buffer
				buf = append(buf, make([]byte, len(buf))...)
				continue
			}
		}
		chunk := string(buf[:cut]) // a copy: buf is read into again
		have = copy(buf, buf[cut:have])
		if first {
			first = false
			nl := strings.IndexByte(chunk, '\n')
			head := chunk
			if nl >= 0 {
				head = chunk[:nl]
			}
			if len(strings.TrimSpace(head)) == 0 {
				return lay, "", nil, fmt.Errorf("%s:1: empty postcode table", path)
			}
			if lay, err = detect(path, strings.TrimRight(head, "\r")); err != nil {
				return lay, "", nil, err
			}
			if lay.skipHeader {
				chunk, line = chunk[len(head):], 1
				chunk = strings.TrimPrefix(chunk, "\n")
			}
		}
		if chunk != "" {
			rows := strings.Count(chunk, "\n")
			parse(chunk, line, rows+1)
			line += rows
		}
		if eof {
			break
		}
	}
	// The rest of the file (past the gzip stream's end, if anything) counts towards the hash.
	if _, err := io.Copy(io.Discard, br); err != nil {
		return lay, "", nil, err
	}
	wg.Wait()
	return lay, hex.EncodeToString(h.Sum(nil)), results, nil
}

// Load reads postcode tables, detecting each file's format from its first line
// (and gzip from its magic bytes). When a postcode appears more than once, the
// first occurrence (earlier file, then earlier line) wins and later ones count
// as duplicates. Every row is accounted for in the returned sources; rows that
// cannot be used are counted by reason and kept as examples in Rejections. A
// file that cannot be read or whose header is not recognised is an error.
func Load(paths []string) (*Table, []manifest.Source, error) {
	sources := make([]manifest.Source, len(paths))
	var parts [][]entry // in file and line order
	total := 0
	t := &Table{}
	for fi, path := range paths {
		lay, sum, results, err := loadFile(path, uint64(fi))
		if err != nil {
			return nil, nil, err
		}
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
			parts = append(parts, r.entries)
			total += len(r.entries)
		}
		if len(src.Counts.RejectedBy) == 0 {
			src.Counts.RejectedBy = nil
		}
		sources[fi] = src
	}
	t.keys = make([]uint64, 0, total)
	t.lat = make([]float64, 0, total)
	t.lng = make([]float64, 0, total)
	if strictlyIncreasing(parts) {
		// A sorted table without repeats (Code-Point Open as published) is
		// taken as it is: no copy of every row to sort.
		for _, p := range parts {
			for _, e := range p {
				sources[e.seq>>32].Counts.Used++
				t.keys = append(t.keys, e.key)
				t.lat = append(t.lat, e.lat)
				t.lng = append(t.lng, e.lng)
			}
		}
	} else {
		all := make([]entry, 0, total)
		for _, p := range parts {
			all = append(all, p...)
		}
		parts = nil
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
	}
	t.centroids()
	return t, sources, nil
}

// strictlyIncreasing reports whether the keys of parts, taken in order, rise
// strictly: sorted, and no postcode twice.
func strictlyIncreasing(parts [][]entry) bool {
	var prev uint64
	started := false
	for _, p := range parts {
		for _, e := range p {
			if started && e.key <= prev {
				return false
			}
			prev, started = e.key, true
		}
	}
	return true
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

// centroids computes sector and district centroids as the mean position of their
// units. Keys are sorted, so every sector and district is a contiguous run and
// the sums are taken in a fixed order.
func (t *Table) centroids() {
	t.sectors = map[string]centroid{}
	t.outcodes = map[string]centroid{}
	sum := func(drop int, into map[string]centroid) {
		for i := 0; i < len(t.keys); {
			p := keyPrefix(t.keys[i], drop)
			j := i
			var slat, slng float64
			for j < len(t.keys) && keyPrefix(t.keys[j], drop) == p {
				slat += t.lat[j]
				slng += t.lng[j]
				j++
			}
			n := j - i
			into[decode(p)] = centroid{lat: slat / float64(n), lng: slng / float64(n), n: n}
			i = j
		}
	}
	sum(2, t.sectors)
	sum(4, t.outcodes)
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
