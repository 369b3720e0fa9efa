package bake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/prebake/prebake/internal/atomicfile"
	"github.com/prebake/prebake/internal/postcode"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// Per-stage reuse (issue 29). Each generator, and the loading of the postcode
// tables, has inputs: named digests of exactly what it reads (the dataset's
// register part, the postcode files, the boundary file), of its options, of
// the base URL its URLs are made with, and of this prebake executable (its
// version: any code change counts). After a committed bake, each stage's
// inputs and what it produced are kept in <out>/.prebake/reuse/; a later bake
// whose stage has the same inputs names the same files again (writer.Reuse)
// instead of regenerating them, once it has checked every one of them is still
// in place. A generator is a pure function of its inputs, so the manifest is
// the one a fresh bake writes, byte for byte (tested for every generator).
// Config.Force bakes every stage afresh.

// Reuse says what became of one stage that can be reused, and why.
type Reuse struct {
	Stage  string `json:"stage"`
	Reused bool   `json:"reused"`
	// Reason: "inputs unchanged" when reused; otherwise "forced" (--force),
	// "no earlier bake" (none kept in this output directory), "changed: "
	// and the inputs that changed (e.g. "changed: register"), or why the
	// earlier outputs could not be used (a file of theirs is missing).
	Reason string `json:"reason"`
}

// The names of a stage's inputs, as Reuse.Reason lists them.
const (
	inputPrebake    = "prebake"    // the executable (generator versions)
	inputBaseURL    = "base URL"   // --base-url
	inputRegister   = "register"   // the dataset's components and CMUs, as geocoded, and its flags
	inputPostcodes  = "postcodes"  // the postcode files, in order
	inputBoundaries = "boundaries" // the boundary file
	inputOptions    = "options"    // the stage's own options
)

// stageRecord is <out>/.prebake/reuse/<stage>.json: a committed bake's stage.
// It names its stage: two stages can have the same inputs (cmu tables and cmu
// details), and a record copied to another stage's file must not be taken
// for that stage's.
type stageRecord struct {
	Stage   string            `json:"stage"`
	Inputs  map[string]string `json:"inputs"`
	Outputs writer.Outputs    `json:"outputs"`
	Result  json.RawMessage   `json:"result,omitempty"`
}

func reuseDir(outDir string) string { return filepath.Join(outDir, writer.StateDir, "reuse") }

// recordPath is where a stage's record is kept: its name with spaces as dashes.
func recordPath(outDir, stage string) string {
	return filepath.Join(reuseDir(outDir), strings.ReplaceAll(stage, " ", "-")+".json")
}

// unencodable begins the "digest" of a value JSON cannot hold (a NaN): such
// an input never matches (earlier), though the text is the same for any two.
const unencodable = "unencodable: "

// digest is the hex SHA-256 of v's JSON.
func digest(v any) string {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(v); err != nil {
		return unencodable + err.Error()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileDigests is the SHA-256 of each file's name, size and SHA-256, in order.
func fileDigests(sums fileSums, paths []string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		if err := sums.add(h, "", p); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// reuser decides, stage by stage, whether a bake can reuse the last one's.
type reuser struct {
	outDir string
	force  bool
	sums   fileSums // the input files as hashed before the bake began
	// boundaries is the boundary file ("" for none): read by its generator,
	// which hashes nothing, so inputsAsHashed hashes it again.
	boundaries string
	common     map[string]string // inputs every stage has: prebake, base URL

	mu      sync.Mutex             // guards decided and keep: two generators run at once
	decided []Reuse                // in the order asked
	keep    map[string]stageRecord // the records to write once the bake is committed
	// A postcode table loaded afresh, and its sources: written beside its
	// place as soon as it is loaded, put in place once the bake commits.
	loaded        *atomicfile.Pending // its binary form, written beside its place
	loadedSum     []byte              // the checksum that ends it
	loadedSources []manifest.Source
}

// tableResult is the result kept of "load postcodes": the manifest's sources
// of the postcode files, and the checksum that ends the table kept beside it
// (postcodeTableFile), so that a table of another bake is never taken for it.
type tableResult struct {
	Sources []manifest.Source `json:"sources"`
	Table   string            `json:"table_sha256"`
}

func newReuser(cfg Config, sums fileSums) (*reuser, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// The executable by its bytes alone: the same prebake installed
	// elsewhere (a new virtualenv for each deploy) reuses the same stages.
	exeID, err := sums.exeIdentity(exe)
	if err != nil {
		return nil, err
	}
	return &reuser{outDir: cfg.OutDir, force: cfg.Force, sums: sums, boundaries: cfg.Boundaries, keep: map[string]stageRecord{},
		common: map[string]string{inputPrebake: digest(exeID), inputBaseURL: digest(cfg.BaseURL)}}, nil
}

// inputs is the stage's own inputs with the common ones.
func (r *reuser) inputs(own map[string]string) map[string]string {
	in := maps.Clone(r.common)
	maps.Copy(in, own)
	return in
}

// earlier returns the last bake's record of stage when its inputs are in, or
// the reason it cannot be used.
func (r *reuser) earlier(stage string, in map[string]string) (*stageRecord, string) {
	if r.force {
		return nil, "forced"
	}
	data, err := os.ReadFile(recordPath(r.outDir, stage))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "no earlier bake"
	}
	var rec stageRecord
	if err != nil || json.Unmarshal(data, &rec) != nil {
		return nil, "the earlier bake's record is unreadable"
	}
	var changed []string
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if rec.Inputs[k] != in[k] || strings.HasPrefix(in[k], unencodable) {
			changed = append(changed, k)
		}
	}
	for k := range rec.Inputs {
		if _, ok := in[k]; !ok {
			changed = append(changed, k)
		}
	}
	if len(changed) > 0 {
		slices.Sort(changed)
		return nil, "changed: " + strings.Join(slices.Compact(changed), ", ")
	}
	// After the inputs: a record of an older prebake, without a stage, has
	// changed inputs (its executable).
	if rec.Stage != stage {
		return nil, fmt.Sprintf("the earlier bake's record is another stage's (%q)", rec.Stage)
	}
	return &rec, ""
}

// decide records what became of stage, and the record to keep of it.
func (r *reuser) decide(stage string, reused bool, reason string, rec *stageRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.decided = append(r.decided, Reuse{Stage: stage, Reused: reused, Reason: reason})
	r.keep[stage] = *rec
}

// generate runs one generator with reuse: when the last bake's record of
// stage has these inputs and its files are all in place, it names them again
// through w and fills result from the record; otherwise it runs gen on a scope
// of w and keeps what gen wrote, and result, for the next bake. result is a
// pointer that gen fills (nil when the generator returns nothing the bake
// needs). Safe for the generators running at once.
func (r *reuser) generate(stage string, own map[string]string, result any, w *writer.Writer, gen func(w *writer.Writer) error) error {
	in := r.inputs(own)
	rec, reason := r.earlier(stage, in)
	if rec != nil {
		err := w.Reuse(rec.Outputs)
		if err == nil && result != nil && len(rec.Result) > 0 {
			err = json.Unmarshal(rec.Result, result)
		}
		if err == nil {
			r.decide(stage, true, "inputs unchanged", rec)
			return nil
		}
		reason = "the earlier outputs cannot be used: " + err.Error()
	}
	scope := w.Scope()
	if err := gen(scope); err != nil {
		return err
	}
	rec = &stageRecord{Stage: stage, Inputs: in, Outputs: scope.Outputs()}
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			return fmt.Errorf("keep the result for reuse: %w", err)
		}
		rec.Result = b
	}
	r.decide(stage, false, reason, rec)
	return nil
}

// inputsAsHashed reports whether the input files the bake hashed before it
// began (the whole-bake key's and the stages' inputs) hold the bytes it read:
// each source's SHA-256 as read (the register files, the postcode files) is
// the one hashed, and the boundary file hashes as it did. A file replaced
// while the bake ran would otherwise leave records pairing the bytes hashed
// with outputs made from others, and a later bake of those bytes would reuse
// them, or be skipped. (A boundary file replaced and put back while the
// bake ran is not seen: its generator does not say what it read.)
func (r *reuser) inputsAsHashed(sources []manifest.Source) bool {
	for _, src := range sources {
		if h, ok := r.sums[src.Path]; ok && src.SHA256 != "" && src.SHA256 != hex.EncodeToString(h.sum) {
			return false
		}
	}
	if r.boundaries != "" {
		now, err := (fileSums{}).get(r.boundaries)
		if err != nil || !bytes.Equal(now.sum, r.sums[r.boundaries].sum) {
			return false
		}
	}
	return true
}

// remember writes the records of a committed bake's stages, replacing the
// earlier ones (the same stages: a bake always has the same ones, but for
// boundaries, whose record stays when a bake has none), and reports true. A
// bake whose input files changed while it ran (inputsAsHashed, given the
// manifest's sources) writes none and reports false: the records of the bake
// before stay, true of their own inputs, and the caller keeps no whole-bake
// key either.
func (r *reuser) remember(sources []manifest.Source) (bool, error) {
	if !r.inputsAsHashed(sources) {
		return false, nil
	}
	// The table before its record, which names its checksum.
	if r.loaded != nil {
		if err := r.loaded.Commit(); err != nil {
			return false, err
		}
		res, err := json.Marshal(tableResult{Sources: r.loadedSources, Table: hex.EncodeToString(r.loadedSum)})
		if err != nil {
			return false, err
		}
		rec := r.keep["load postcodes"]
		rec.Result = res
		r.keep["load postcodes"] = rec
	}
	for _, stage := range slices.Sorted(maps.Keys(r.keep)) {
		data, err := json.Marshal(r.keep[stage])
		if err != nil {
			return false, err
		}
		p := recordPath(r.outDir, stage)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := atomicfile.Write(p, data); err != nil {
			return false, err
		}
	}
	return true, nil
}

// abandon removes what a bake that does not commit prepared (remember not
// called, or failed): the postcode table written beside its place.
func (r *reuser) abandon() { r.loaded.Discard() }

// postcodeTableFile is where the last bake's postcode table is kept, in
// postcode.Table's binary form, under the record "load postcodes".
func postcodeTableFile(outDir string) string {
	return filepath.Join(reuseDir(outDir), "postcode-table.bin")
}

// loadPostcodes loads the postcode tables, or reads back the table the last
// bake loaded from the same files (the stage "load postcodes"); the manifest
// sources come with it.
func (r *reuser) loadPostcodes(paths []string, pcDigest string) (*postcode.Table, []manifest.Source, error) {
	const stage = "load postcodes"
	in := r.inputs(map[string]string{inputPostcodes: pcDigest})
	delete(in, inputBaseURL) // the table has no URLs
	rec, reason := r.earlier(stage, in)
	if rec != nil {
		// The table's own checksum first (a damaged table says so), then
		// the record's: a whole table of another bake is refused too.
		var res tableResult
		data, err := os.ReadFile(postcodeTableFile(r.outDir))
		var t *postcode.Table
		if err == nil {
			t, err = postcode.ReadBinary(data)
		}
		if err == nil {
			err = json.Unmarshal(rec.Result, &res)
		}
		if err == nil && hex.EncodeToString(data[len(data)-sha256.Size:]) != res.Table {
			err = errors.New("it is another bake's")
		}
		if err == nil {
			r.decide(stage, true, "inputs unchanged", rec)
			return t, res.Sources, nil
		}
		reason = "the earlier table cannot be read: " + err.Error()
	}
	t, sources, err := postcode.Load(paths)
	if err != nil {
		return nil, nil, err
	}
	// The table is written out now, beside its place (committed with the
	// bake, in remember), so that the bake need not hold it to the end.
	var sum []byte
	pf, err := atomicfile.Prepare(postcodeTableFile(r.outDir), func(w io.Writer) (err error) {
		sum, err = t.WriteBinary(w)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	r.loaded, r.loadedSum, r.loadedSources = pf, sum, sources
	r.decide(stage, false, reason, &stageRecord{Stage: stage, Inputs: in}) // its Result once the table is kept (remember)
	return t, sources, nil
}

// summary is what became of each stage, "load postcodes" first, then the
// generators in the order given (not the order they ended in).
func (r *reuser) summary(gens []generator) []Reuse {
	order := []string{"load postcodes"}
	for _, g := range gens {
		order = append(order, g.name)
	}
	out := slices.Clone(r.decided)
	slices.SortStableFunc(out, func(a, b Reuse) int { return slices.Index(order, a.Stage) - slices.Index(order, b.Stage) })
	return out
}
