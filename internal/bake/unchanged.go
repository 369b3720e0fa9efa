package bake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/prebake/prebake/internal/atomicfile"
	"github.com/prebake/prebake/internal/source"
	"github.com/prebake/prebake/internal/writer"
	"github.com/prebake/prebake/manifest"
)

// A rebuild whose inputs did not change skips the whole bake and writes nothing
// (issue #13: a no-change rebuild in seconds instead of regenerating, hashing
// and comparing every output). "Inputs" is everything the bytes of
// a bake depend on: the bytes of this prebake executable (so any code change
// counts), every source, postcode and boundary file's bytes, every Config field
// that reaches the output, and SOURCE_DATE_EPOCH. After each committed bake, the
// key and the summary are kept in <out>/.prebake/last-build.json; a later bake
// with the same key is skipped only when the manifest it wrote is still the one
// at --manifest (same SHA-256) and every file that manifest names is as the bake
// wrote it (writer.CheckAsWritten: each file on disk with its size, every file
// of every set, each asset's bytes and each set index's checked against their
// SHA-256), and the report and Django staticfiles it wrote are still there.
// Anything else, or Config.Force, bakes in full.

// lastBuild is <out>/.prebake/last-build.json.
type lastBuild struct {
	Key            string  `json:"key"`
	ManifestSHA256 string  `json:"manifest_sha256"`
	Summary        Summary `json:"summary"`
}

func lastBuildPath(outDir string) string {
	return filepath.Join(outDir, writer.StateDir, "last-build.json")
}

// inputKey is the SHA-256 over everything a bake's bytes depend on (see above).
// A database source counts by its name (no credentials) and the digest of the
// rows read (its manifest entry, in db): the bake reads it before deciding.
func inputKey(cfg Config, db []manifest.Source, sums fileSums) (string, error) {
	h := sha256.New()
	field := func(name string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(h, "%s=%s\n", name, b)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if files, err := source.Files(cfg.Sources); err == nil {
		all := append(append([]string{}, files...), cfg.Postcodes...)
		sums.prefetch(append(all, nonEmpty(cfg.Boundaries)...))
	}
	exeID, err := sums.exeIdentity(exe)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "executable %s\n", exeID)
	field("format", cfg.Format)
	field("out", cfg.OutDir)
	field("manifest", cfg.ManifestPath)
	field("report", cfg.ReportPath)
	field("base_url", cfg.BaseURL)
	field("django_staticfiles", cfg.DjangoStaticfiles)
	field("strict", cfg.Strict)
	field("include_contacts", cfg.IncludeContacts)
	field("maptiles", cfg.Maptiles)
	field("generator", cfg.Generator)
	epoch, epochSet := os.LookupEnv("SOURCE_DATE_EPOCH")
	field("source_date_epoch", []any{epoch, epochSet})
	// The source files as the bake reads them (source.Files: globs expanded
	// and sorted, a file named twice once); postcode tables and boundaries
	// are paths, not patterns.
	sources, err := source.Files(cfg.Sources)
	if err != nil {
		return "", err
	}
	// A database URL may hold a password: the key takes its name instead.
	patterns := make([]string, len(cfg.Sources))
	for i, p := range cfg.Sources {
		if patterns[i] = p; source.IsDatabase(p) {
			if patterns[i], err = source.DatabaseName(p); err != nil {
				return "", err
			}
		}
	}
	field("source_patterns", patterns)
	files := sources[:0:0]
	for _, p := range sources {
		if !source.IsDatabase(p) {
			files = append(files, p)
		}
	}
	for _, group := range []struct {
		name  string
		paths []string
	}{{"source", files}, {"postcodes", cfg.Postcodes}, {"boundaries", nonEmpty(cfg.Boundaries)}} {
		for _, p := range group.paths {
			if err := sums.add(h, group.name, p); err != nil {
				return "", err
			}
		}
	}
	for _, d := range db {
		fmt.Fprintf(h, "database %q %d %s\n", d.Path, d.Counts.Read, d.SHA256)
	}
	field("db_timeout", cfg.DBTimeout)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// fileSums hashes each file once in a bake, though the whole-bake key and
// several stages' inputs name it (the executable alone is tens of megabytes).
type fileSums map[string]fileSum

type fileSum struct {
	size int64
	sum  []byte
}

// add adds a file's name, size and SHA-256 to h.
func (fs fileSums) add(h io.Writer, kind, path string) error {
	s, err := fs.get(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %q %d %x\n", kind, path, s.size, s.sum)
	return nil
}

// prefetch hashes the files not hashed yet on GOMAXPROCS goroutines at once:
// the executable alone takes as long as every other input together, and on
// the path of every bake. A file that cannot be read is left to get, which
// says why.
func (fs fileSums) prefetch(paths []string) {
	var todo []string
	for _, p := range paths {
		if _, ok := fs[p]; !ok && !slices.Contains(todo, p) {
			todo = append(todo, p)
		}
	}
	got := make([]*fileSum, len(todo))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, p := range todo {
		g.Go(func() error {
			if s, err := hashOne(p); err == nil {
				got[i] = &s
			}
			return nil
		})
	}
	g.Wait()
	for i, s := range got {
		if s != nil {
			fs[todo[i]] = *s
		}
	}
}

// get hashes the file at path, the first time it is asked.
func (fs fileSums) get(path string) (fileSum, error) {
	if s, ok := fs[path]; ok {
		return s, nil
	}
	s, err := hashOne(path)
	if err != nil {
		return fileSum{}, err
	}
	fs[path] = s
	return s, nil
}

func hashOne(path string) (fileSum, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileSum{}, err
	}
	defer f.Close()
	fh := sha256.New()
	n, err := io.Copy(fh, f)
	if err != nil {
		return fileSum{}, fmt.Errorf("%s: %w", path, err)
	}
	return fileSum{n, fh.Sum(nil)}, nil
}

// unchanged returns the summary of the last bake when it can stand for this one:
// the same key, its manifest still at cfg.ManifestPath, and every file it names
// in place. It returns nil when the bake must run.
func unchanged(cfg Config, key string) *Summary {
	data, err := os.ReadFile(lastBuildPath(cfg.OutDir))
	if err != nil {
		return nil
	}
	var last lastBuild
	if json.Unmarshal(data, &last) != nil || last.Key != key {
		return nil
	}
	mdata, err := os.ReadFile(cfg.ManifestPath)
	if err != nil {
		return nil
	}
	if sum := sha256.Sum256(mdata); hex.EncodeToString(sum[:]) != last.ManifestSHA256 {
		return nil
	}
	m, err := manifest.Parse(mdata)
	if err != nil || writer.CheckAsWritten(m, cfg.OutDir) != nil {
		return nil
	}
	for _, p := range []string{cfg.ReportPath, cfg.DjangoStaticfiles} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil
		}
	}
	s := last.Summary
	return &s
}

// rememberBuild records a committed bake's key and summary for the next run.
func rememberBuild(cfg Config, key string, s *Summary) error {
	mdata, err := os.ReadFile(cfg.ManifestPath)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(mdata)
	kept := *s
	kept.Seconds, kept.Stages, kept.Reuse = 0, nil, nil // the state file is as deterministic as the bake
	data, err := json.MarshalIndent(lastBuild{Key: key, ManifestSHA256: hex.EncodeToString(sum[:]), Summary: kept}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(lastBuildPath(cfg.OutDir), append(data, '\n'))
}
