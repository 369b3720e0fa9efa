package source

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/manifest"
)

// Input formats, as detected or forced.
const (
	FormatAppCache = "app-cache"
	FormatCKAN     = "ckan"
	FormatJSON     = "json"
	FormatNDJSON   = "ndjson"
	FormatCSV      = "csv"
	FormatCMU      = "cmu" // container detected, every row read as a CMU row
)

// Formats lists the names Read accepts for its format argument.
var Formats = []string{FormatAppCache, FormatCKAN, FormatJSON, FormatNDJSON, FormatCSV, FormatCMU}

// Record kinds, as in manifest.Source.Kind.
const (
	KindComponents = "components"
	KindCMUs       = "cmus"
)

// Reasons a row is rejected (see the package comment).
const (
	ReasonMissingID = "missing_id"
	ReasonBadValue  = "bad_value"
	ReasonBadUTF8   = "bad_utf8"
	ReasonTooLong   = "too_long"
	ReasonNotARow   = "not_a_row"
)

// MaxFieldBytes is the longest field value accepted. Real fields are under 4 KB; a
// longer one is a broken export, and would bloat every page that shows it.
const MaxFieldBytes = 64 << 10

// Problem is one rejected row.
type Problem struct {
	File   string // path as given to Read (after glob expansion)
	Row    int    // 1-based record number in the file
	Field  string // the offending field, "" when the row as a whole is at fault
	Reason string // a Reason* code
	Detail string // human-readable explanation
}

// Result is everything Read found.
type Result struct {
	Components []record.Component // distinct, sorted by ID
	CMUs       []record.CMU       // sorted by (CMUID, DeliveryYear, ID)
	Sources    []manifest.Source  // one per input file, in input order; Geocoded/Unlocated are filled by the bake
	Problems   []Problem          // every rejected row, in file/row order
	Synthetic  bool               // every used component row came from prebake's synthetic sample
	// Conflicts lists every duplicate component row (same ID as a row read
	// before) whose fields differ from the row kept, in read order.
	Conflicts []Conflict
	// ColumnDiffs lists, for database sources, every hand-edited column that
	// differs from the register row, in read order (the register row wins).
	ColumnDiffs []ColumnDiff
}

// Conflict is a duplicate component row that disagrees with the row kept: the
// first row read with an ID wins (files in the order given, globs sorted), so
// the dropped row's differing fields are listed for the operator.
type Conflict struct {
	ID                 int64
	KeptFile           string
	KeptRow            int
	File               string // the dropped duplicate
	Row                int
	Fields             []string // register column names that differ, in column order
	KeptValues, Values []string // their values in the kept and the dropped row
}

// FileError is a file that cannot be read as a whole: it names the file and where
// in it reading stopped.
type FileError struct {
	File   string
	Format string // the format it was read as, if known
	Offset int64  // byte offset, -1 when unknown
	Line   int    // 1-based line, 0 when unknown
	Column int    // 1-based byte column within Line, 0 when unknown
	Record int    // 1-based record number being read (0: before the first)
	Field  string // the field or key involved, if any
	Err    error
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Format != "" {
		fmt.Fprintf(&b, " (%s)", e.Format)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, " column %d", e.Column)
		}
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, ": byte %d", e.Offset)
	}
	if e.Record > 0 {
		fmt.Fprintf(&b, ": record %d", e.Record)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// locate fills Line and Column from Offset by reading the file again up to it:
// only on the error path, so reading stays one pass. A line ends at "\n",
// "\r\n" or a lone "\r"; the column counts bytes from 1.
func (e *FileError) locate() {
	if e.Offset < 0 {
		return
	}
	f, err := os.Open(e.File)
	if err != nil {
		return
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, e.Offset))
	line, col := 1, 1
	prevCR := false
	for {
		c, err := br.ReadByte()
		if err != nil {
			break
		}
		switch {
		case c == '\n' && prevCR: // the second byte of "\r\n"
		case c == '\n' || c == '\r':
			line, col = line+1, 1
		default:
			col++
		}
		prevCR = c == '\r'
	}
	e.Line, e.Column = line, col
}

// Read reads every file matched by patterns (plain paths or globs; each must match
// at least one file; matches are taken in sorted order, a file named twice is read
// once). format "" detects each file's format from its content.
func Read(patterns []string, format string) (*Result, error) {
	return ReadWith(patterns, format, Options{})
}

// ReadWith is Read with options. A pattern for which IsDatabase holds is a
// database source (postgres.go), read beside the files in the order given.
func ReadWith(patterns []string, format string, opt Options) (*Result, error) {
	if format != "" && !validFormat(format) {
		return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
	files, err := expand(patterns)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no source files given")
	}
	r := &reader{
		opt:      opt,
		compSeen: map[int64]int{},
		cmuSeen:  map[int64]bool{},
		compSums: map[int64][32]byte{},
		cmuSums:  map[int64][32]byte{},
	}
	if err := r.readAll(files, format); err != nil {
		return nil, err
	}
	if err := checkCKANPages(r.ckanFiles); err != nil {
		return nil, err
	}
	r.res.Components = r.comps.sorted()
	sort.Slice(r.res.CMUs, func(i, j int) bool {
		a, b := &r.res.CMUs[i], &r.res.CMUs[j]
		if a.CMUID != b.CMUID {
			return a.CMUID < b.CMUID
		}
		if a.DeliveryYear != b.DeliveryYear {
			return a.DeliveryYear < b.DeliveryYear
		}
		return a.ID < b.ID
	})
	r.res.Synthetic = len(r.res.Components) > 0 && r.synthetic == len(r.res.Components)
	return &r.res, nil
}

// compChunks holds the components as they are merged, in chunks of a fixed
// size, and then copies them once, sorted by ID, into a slice of exactly
// their number. Appending to one slice grew it by a quarter at a time at
// this size, copying the 472-byte structs over and over (five times the
// final slice in allocation at 1M components), and sorting that slice moved
// whole structs; sorting (ID, index) pairs moves 16 bytes.
type compChunks struct {
	chunks [][]record.Component
	n      int
}

const compChunkSize = 4096

func (c *compChunks) len() int { return c.n }

func (c *compChunks) at(i int) *record.Component {
	return &c.chunks[i/compChunkSize][i%compChunkSize]
}

func (c *compChunks) add(x *record.Component) {
	if c.n%compChunkSize == 0 {
		c.chunks = append(c.chunks, make([]record.Component, 0, compChunkSize))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, *x)
	c.n++
}

// sorted returns the components sorted by ID (IDs are distinct: the merge
// keeps one row per ID) and empties c. Nil when there are none, as before.
func (c *compChunks) sorted() []record.Component {
	if c.n == 0 {
		return nil
	}
	type key struct {
		id int64
		i  int
	}
	keys := make([]key, 0, c.n)
	for ci, ch := range c.chunks {
		for j := range ch {
			keys = append(keys, key{ch[j].ID, ci*compChunkSize + j})
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Compare(a.id, b.id) })
	out := make([]record.Component, c.n)
	// Runs of components that were merged in ID order (a register file is
	// mostly sorted) go over with one copy each: a struct at a time was
	// most of this function.
	for k := 0; k < len(keys); {
		i := keys[k].i
		run := 1
		for k+run < len(keys) && keys[k+run].i == i+run && (i+run)%compChunkSize != 0 {
			run++
		}
		ch := c.chunks[i/compChunkSize]
		copy(out[k:k+run], ch[i%compChunkSize:i%compChunkSize+run])
		k += run
	}
	*c = compChunks{}
	return out
}

func validFormat(f string) bool {
	for _, x := range Formats {
		if x == f {
			return true
		}
	}
	return false
}

// Files returns the files Read would read for patterns, in its order: each
// pattern a path or a glob, an existing file taken as itself even when its
// name has glob characters, every match of a glob sorted, a file named twice
// once. A pattern that matches nothing is an error.
func Files(patterns []string) ([]string, error) { return expand(patterns) }

func expand(patterns []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range patterns {
		var matches []string
		if IsDatabase(p) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			continue
		}
		// An existing file is that file, even when its name has glob characters
		// ("register [2024].json" would otherwise be a character class).
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			matches = []string{p}
		} else if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("source pattern %q: %w", p, err)
			}
			sort.Strings(m)
			matches = m
		} else {
			matches = []string{p}
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("source pattern %q matches no file", p)
		}
		for _, m := range matches {
			key := filepath.Clean(m)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// readAll reads files in two steps. Parsing a file (validating, splitting
// rows, turning each into a component, a CMU row or a rejection) needs nothing
// but the file, so files are parsed side by side, GOMAXPROCS at once, each by
// a reader of its own (a parser: addRow queues rows for the merge). Merging (IDs by content, duplicates,
// the ID-space check, interning, counts) needs every earlier row, so it runs
// here, in the given order, on batches of parsed rows as they come: the result,
// and the error returned (the first in file and row order), are those of
// reading the files one after another. A parser runs at most two batches
// ahead of the merge, and at most GOMAXPROCS+1 files are open, which bounds
// the memory parsing ahead takes (TestReadMemoryBounded). Parsing is about
// half of a large register's read, so it runs beside the merge.
func (r *reader) readAll(files []string, format string) error {
	type parsed struct {
		rows chan rowBatch // closed when the file is parsed
		fs   *fileState
		err  error
	}
	results := make([]parsed, len(files))
	for i := range results {
		results[i].rows = make(chan rowBatch, 2)
	}
	ahead := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	stop := make(chan struct{})
	var parsers sync.WaitGroup
	defer func() {
		// A failed merge stops the parsers (at their next batch), and Read
		// returns once they have: it leaves nothing running.
		close(stop)
		parsers.Wait()
	}()
	parsers.Add(1)
	go func() {
		defer parsers.Done()
		for i, f := range files {
			select {
			case ahead <- struct{}{}:
			case <-stop:
				return
			}
			parsers.Add(1)
			go func() {
				defer parsers.Done()
				p := &results[i]
				sub := &reader{out: p.rows, stop: stop, opt: r.opt}
				p.fs, p.err = sub.readFile(f, format)
				// The rows before a parse error go to the merge too: read one
				// after another, one of them may fail first (a mix of ID
				// spaces), and that error is the one to report.
				if err := sub.emit(); err != nil && p.err == nil {
					p.err = err
				}
				if p.err == nil {
					p.fs.problems = sub.res.Problems
				}
				close(p.rows)
			}()
		}
	}()
	for i := range results {
		p := &results[i]
		for b := range p.rows {
			if err := r.merge(b); err != nil {
				return err
			}
			if b.comps != nil {
				clear(b.comps) // drop the strings it points to
				compRowsPool.Put(b.comps[:0])
			}
			if b.cmus != nil {
				clear(b.cmus)
				cmuRowsPool.Put(b.cmus[:0])
			}
		}
		// The channel is closed after p.fs and p.err are set: safe to read.
		if p.err != nil {
			return p.err
		}
		r.res.Problems = append(r.res.Problems, p.fs.problems...)
		r.res.ColumnDiffs = append(r.res.ColumnDiffs, p.fs.diffs...)
		r.finishFile(p.fs)
		*p = parsed{}
		<-ahead
	}
	return nil
}

// rowBatch is parsed rows on their way from a file's parser to the merge.
// A file's rows are all of one kind (its first row decides).
type rowBatch struct {
	fs    *fileState
	comps []compRow
	cmus  []cmuRow
}

// batchRows is how many parsed rows a batch carries (about 0.5 MB).
const batchRows = 1024

// emit sends the rows a parser has queued to the merge. It returns
// errStopped, and drops them, when the merge has failed.
func (r *reader) emit() error {
	if len(r.compRows)+len(r.cmuRows) == 0 {
		return nil
	}
	b := rowBatch{r.batchFile, r.compRows, r.cmuRows}
	r.compRows, r.cmuRows = nil, nil
	select {
	case r.out <- b:
		return nil
	case <-r.stop:
		return errStopped
	}
}

// errStopped ends a parser once the merge has failed: its rows would never
// be used. Read never returns it (the merge's own error comes first).
var errStopped = errors.New("source: read stopped")

// Merged batches' slices are used again: a fresh batch each time was most of
// what reading allocated beyond the rows kept.
var (
	compRowsPool = sync.Pool{New: func() any { return make([]compRow, 0, batchRows) }}
	cmuRowsPool  = sync.Pool{New: func() any { return make([]cmuRow, 0, batchRows) }}
)

// merge adds a batch of parsed rows to r, in order.
func (r *reader) merge(b rowBatch) error {
	for i := range b.cmus {
		op := &b.cmus[i]
		r.mergeCMU(b.fs, op.rec, op.c, op.byContent, op.sum)
	}
	for i := range b.comps {
		op := &b.comps[i]
		if err := r.mergeComponent(b.fs, op.rec, op.c, op.space, op.synthetic, op.byContent, op.sum); err != nil {
			return err
		}
	}
	return nil
}

// A parsed row waiting for merge: what addRow queues. A
// file's rows are all of one kind (its first row decides), so keeping the two
// kinds apart keeps each file's order.
type compRow struct {
	rec       int
	c         record.Component
	space     idSpace
	synthetic bool
	byContent bool
	sum       [32]byte
}

type cmuRow struct {
	rec       int
	c         record.CMU
	byContent bool
	sum       [32]byte
}

// idSpace is which key a component file's IDs come from.
type idSpace int

const (
	spaceNone     idSpace = iota
	spaceRegister         // `_id`, or a content hash
	spaceAppDB            // the snake_case export's component_id
)

type reader struct {
	opt       Options
	app       *record.Position // the stored position of the database row being added
	res       Result
	comps     compChunks    // the distinct components, in merge order
	compSeen  map[int64]int // ID -> index in comps
	cmuSeen   map[int64]bool
	synthetic int // used components flagged Synthetic

	// Digests behind content IDs, so that two different rows whose content IDs
	// share 52 bits are told apart instead of merged as duplicates.
	compSums, cmuSums map[int64][32]byte

	registerFile, appDBFile string // first file of each ID space, to name both in a mix error

	ckanFiles []*fileState // CKAN responses, checked for missing pages once all are read

	strs map[string]string // interned text: companies, auctions and classes repeat thousands of times

	// A parser's row being split (addJSONRow) and the column names it has
	// seen (splitInto), reused from row to row.
	scratch *rawRow
	keys    map[string]string

	// A reader parsing one file for readAll (a parser): addRow keeps each
	// usable row here and emit sends them to the merge in batches.
	compRows  []compRow
	cmuRows   []cmuRow
	batchFile *fileState      // the file compRows and cmuRows are from
	out       chan<- rowBatch // where emit sends them
	stop      <-chan struct{} // closed when the merge has failed
}

// intern returns one shared copy of s, so repeated values cost their bytes once.
func (r *reader) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := r.strs[s]; ok {
		return v
	}
	if r.strs == nil {
		r.strs = map[string]string{}
	}
	r.strs[s] = s
	return s
}

// fileState is one file being read.
type fileState struct {
	path   string
	format string
	kind   string // "" until the first row decides
	forced bool   // kind forced by --format cmu
	src    manifest.Source
	space  idSpace
	base   int64 // bytes skipped before the readers start (a byte-order mark)

	synthetic int // used rows flagged Synthetic
	ckan      *ckanPage
	problems  []Problem    // the file's rejections, added to the result after its rows
	diffs     []ColumnDiff // a database source's hand-edited columns that differ from the register
}

// hashingReader hashes the file as it is read, so the SHA-256 costs no second pass.
type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

// readFile parses one file; merge completes its counts of use and its source
// entry (finishFile).
func (r *reader) readFile(path, format string) (*fileState, error) {
	if IsDatabase(path) {
		fs := &fileState{}
		if err := r.readDB(fs, path); err != nil {
			return nil, err
		}
		return fs, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", path, err)
	}
	defer f.Close()
	size := int64(-1) // unknown
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &FileError{File: path, Offset: -1, Err: fmt.Errorf("is a directory")}
	} else if err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	hr := &hashingReader{r: f, h: sha256.New()}
	br := bufio.NewReaderSize(hr, 64<<10)
	fs := &fileState{path: path}
	if skipBOM(br) {
		fs.base = 3
	}
	if crOnly(br) {
		// Classic Mac line endings: read each lone CR as a newline, byte for
		// byte, so that offsets stay those of the file.
		br = bufio.NewReaderSize(crAsLF{br}, 64<<10)
	}
	container := format
	if format == FormatCMU {
		fs.kind, fs.forced = KindCMUs, true
		container = ""
	}
	if container == "" {
		container, err = detect(br)
		if err != nil {
			return nil, &FileError{File: path, Offset: -1, Err: err}
		}
	}
	fs.format = container
	if format == FormatCMU {
		fs.format = FormatCMU
	}
	fs.src = manifest.Source{Path: path, Format: fs.format}

	if container == FormatAppCache || container == FormatJSON {
		var done bool
		if br, done, err = r.readWhole(fs, container, br, size); err != nil {
			return nil, err
		}
		if done {
			container = "" // read
		}
	}
	switch container {
	case "":
	case FormatAppCache:
		err = r.readAppCache(fs, br)
	case FormatCKAN:
		err = r.readCKAN(fs, br)
	case FormatJSON:
		err = r.readJSONArray(fs, br)
	case FormatNDJSON:
		err = r.readNDJSON(fs, br)
	case FormatCSV:
		err = r.readCSV(fs, br)
	default:
		err = &FileError{File: path, Offset: -1, Err: fmt.Errorf("unknown format %q", container)}
	}
	if err != nil {
		return nil, err
	}
	if fs.src.Counts.Read == 0 {
		return nil, &FileError{File: path, Format: fs.format, Offset: -1, Err: fmt.Errorf("no rows")}
	}
	// Hash the whole file even if a reader stopped before EOF (trailing whitespace).
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, fmt.Errorf("source %s: %w", path, err)
	}
	fs.src.SHA256 = hex.EncodeToString(hr.h.Sum(nil))
	if fs.kind == "" {
		fs.kind = KindComponents
	}
	fs.src.Kind = fs.kind
	return fs, nil
}

// finishFile completes a merged file's source entry and adds it.
func (r *reader) finishFile(fs *fileState) {
	fs.src.Synthetic = fs.src.Counts.Used > 0 && fs.synthetic == fs.src.Counts.Used
	if fs.ckan != nil {
		r.ckanFiles = append(r.ckanFiles, fs)
	}
	r.res.Sources = append(r.res.Sources, fs.src)
}

// crOnly reports whether the file's lines end in a lone CR: its first line break
// (within the detection window) is "\r" not followed by "\n". CSV and NDJSON
// readers only know "\n" and "\r\n"; without this a CR-only CSV is one long
// header line (whose repeated column names gave a misleading error).
func crOnly(br *bufio.Reader) bool {
	head, _ := br.Peek(detectWindow)
	i := bytes.IndexAny(head, "\r\n")
	return i >= 0 && head[i] == '\r' && (i+1 >= len(head) || head[i+1] != '\n')
}

// crAsLF reads CR bytes as LF.
type crAsLF struct{ r io.Reader }

func (c crAsLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// skipBOM drops a UTF-8 byte-order mark, reporting whether there was one.
func skipBOM(br *bufio.Reader) bool {
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
		return true
	}
	return false
}

// reject records a rejected row.
func (r *reader) reject(fs *fileState, rec int, field, reason, detail string) {
	fs.src.Counts.Rejected++
	if fs.src.Counts.RejectedBy == nil {
		fs.src.Counts.RejectedBy = map[string]int{}
	}
	fs.src.Counts.RejectedBy[reason]++
	r.res.Problems = append(r.res.Problems, Problem{File: fs.path, Row: rec, Field: field, Reason: reason, Detail: detail})
}

// decideKind fixes the file's record kind from the first row's field names.
func (fs *fileState) decideKind(has func(string) bool) {
	if fs.kind != "" {
		return
	}
	switch {
	case has(colComponentID) || has(snakeComponentID):
		fs.kind = KindComponents
	case has(colApplicant) || has(colUnitName):
		fs.kind = KindCMUs
	default:
		fs.kind = KindComponents
	}
}

// addRow turns one row object into a component or CMU, queued for the merge,
// or a rejection. rec is the 1-based record number; every call counts one row
// read.
func (r *reader) addRow(fs *fileState, rec int, row *rawRow) error {
	fs.src.Counts.Read++
	fs.decideKind(row.has)
	if fld, reason, detail := row.check(); reason != "" {
		r.reject(fs, rec, fld, reason, detail)
		return nil
	}
	if fs.kind == KindCMUs {
		c, fld, reason, detail := row.cmu()
		if reason != "" {
			r.reject(fs, rec, fld, reason, detail)
			return nil
		}
		if r.cmuRows == nil {
			r.cmuRows = cmuRowsPool.Get().([]cmuRow)
		}
		r.cmuRows = append(r.cmuRows, cmuRow{rec, c, row.byContent, row.sum})
		r.batchFile = fs
		if len(r.cmuRows) == batchRows {
			return r.emit()
		}
		return nil
	}
	c, space, synthetic, fld, reason, detail := row.component()
	if reason != "" {
		r.reject(fs, rec, fld, reason, detail)
		return nil
	}
	c.App = r.app
	if r.compRows == nil {
		r.compRows = compRowsPool.Get().([]compRow)
	}
	r.compRows = append(r.compRows, compRow{rec, c, space, synthetic, row.byContent, row.sum})
	r.batchFile = fs
	if len(r.compRows) == batchRows {
		return r.emit()
	}
	return nil
}

// mergeCMU adds a usable CMU row (record rec of fs) unless it is a duplicate.
func (r *reader) mergeCMU(fs *fileState, rec int, c record.CMU, byContent bool, sum [32]byte) {
	if byContent {
		c.ID = contentSlot(r.cmuSums, c.ID, sum)
	}
	if r.cmuSeen[c.ID] {
		fs.src.Counts.Duplicate++
		return
	}
	r.cmuSeen[c.ID] = true
	c.SourceFile, c.SourceRow = fs.path, rec
	for _, p := range []*string{&c.CMUID, &c.AuctionName, &c.AuctionType, &c.Applicant, &c.ParentCompany, &c.UnitType, &c.UnitCategory, &c.TransmissionDistribution, &c.PrimaryFuel} {
		*p = r.intern(*p)
	}
	r.res.CMUs = append(r.res.CMUs, c)
	fs.src.Counts.Used++
}

// mergeComponent adds a usable component row (record rec of fs) unless it is
// a duplicate, which it checks for a conflict; an ID space other than the
// earlier files' is an error.
func (r *reader) mergeComponent(fs *fileState, rec int, c record.Component, space idSpace, synthetic, byContent bool, sum [32]byte) error {
	if err := r.checkSpace(fs, space, rec); err != nil {
		return err
	}
	if byContent {
		c.ID = contentSlot(r.compSums, c.ID, sum)
	}
	if k, seen := r.compSeen[c.ID]; seen {
		fs.src.Counts.Duplicate++
		if cf := conflict(r.comps.at(k), &c); cf != nil {
			cf.File, cf.Row = fs.path, rec
			r.res.Conflicts = append(r.res.Conflicts, *cf)
		}
		return nil
	}
	r.compSeen[c.ID] = r.comps.len()
	c.SourceFile, c.SourceRow = fs.path, rec
	for _, p := range []*string{&c.CMUID, &c.Company, &c.TechClass, &c.AuctionName, &c.AuctionType, &c.Description} {
		*p = r.intern(*p)
	}
	r.comps.add(&c)
	fs.src.Counts.Used++
	if synthetic {
		r.synthetic++
		fs.synthetic++
	}
	return nil
}

// contentSlot returns the content ID for a row whose digest is sum: id itself
// unless a different content already holds it, then the next free id below
// (wrapping within -2^52..-1). Files are read in order, so the probe is
// deterministic; with 52 bits a clash is about one in 10^7 bakes of the register.
func contentSlot(sums map[int64][32]byte, id int64, sum [32]byte) int64 {
	for {
		got, taken := sums[id]
		if !taken {
			sums[id] = sum
			return id
		}
		if got == sum {
			return id
		}
		if id--; id < -(1 << 52) {
			id = -1
		}
	}
}

func (r *reader) checkSpace(fs *fileState, space idSpace, rec int) error {
	if fs.space == space {
		return nil
	}
	fs.space = space
	switch space {
	case spaceRegister:
		if r.registerFile == "" {
			r.registerFile = fs.path
		}
	case spaceAppDB:
		if r.appDBFile == "" {
			r.appDBFile = fs.path
		}
	}
	if r.registerFile != "" && r.appDBFile != "" {
		return &FileError{File: fs.path, Format: fs.format, Offset: -1, Record: rec, Field: snakeComponentID,
			Err: fmt.Errorf("cannot mix the app's snake_case export (%s, keyed by the app database's component_id) with register rows keyed by _id (%s): they describe the same components under different keys and would be counted twice; read them in separate bakes", r.appDBFile, r.registerFile)}
	}
	return nil
}
