package bake

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/prebake/prebake/internal/source"
	"github.com/prebake/prebake/internal/writer"
)

// Path is one file a command reads or writes, with the flag that names it
// (for the error).
type Path struct {
	Flag string // "--report", "--source"
	Path string
}

// PathError says that an output would overwrite an input or another output,
// or cannot be written where it is named. It is a usage error: nothing has
// been written when it is returned.
type PathError struct {
	Output Path
	Other  *Path  // the input or output it resolves to; nil for another reason
	Reason string // with Other nil
}

func (e *PathError) Error() string {
	if e.Other != nil {
		return fmt.Sprintf("%s %s is the same file as %s %s: refusing to write over it (name another path)", e.Output.Flag, e.Output.Path, e.Other.Flag, e.Other.Path)
	}
	return fmt.Sprintf("%s %s: %s", e.Output.Flag, e.Output.Path, e.Reason)
}

// Inputs lists the files cfg reads: every source file as the bake expands
// its patterns (source.Files), every postcode table, the boundaries. A source
// pattern that matches nothing is left out (the read reports it).
func (cfg Config) Inputs() []Path {
	var in []Path
	files, err := source.Files(cfg.Sources)
	if err != nil {
		files = nil
		for _, p := range cfg.Sources {
			if !strings.ContainsAny(p, "*?[") {
				files = append(files, p)
			}
		}
	}
	for _, f := range files {
		in = append(in, Path{"--source", f})
	}
	for _, p := range cfg.Postcodes {
		in = append(in, Path{"--postcodes", p})
	}
	if cfg.Boundaries != "" {
		in = append(in, Path{"--boundaries", cfg.Boundaries})
	}
	return in
}

// Outputs lists the files cfg writes outside the output directory: the
// manifest, the report and the report of a failed build, the Django
// staticfiles.json.
func (cfg Config) Outputs() []Path {
	var out []Path
	if cfg.ManifestPath != "" {
		out = append(out, Path{"--manifest", cfg.ManifestPath})
	}
	if cfg.ReportPath != "" {
		out = append(out, Path{"--report", cfg.ReportPath}, Path{"--report (of a failed build)", FailedReportPath(cfg.ReportPath)})
	}
	if cfg.DjangoStaticfiles != "" {
		out = append(out, Path{"--django-staticfiles", cfg.DjangoStaticfiles})
	}
	return out
}

// CheckPaths refuses, before anything is written, any output of cfg (and any
// of extra, such as a profile the command writes) that resolves to an input,
// to another output, to the output directory, or to a path inside the output
// directory that the bake may write (a content-addressed name, or prebake's
// .prebake state); and an output that is a directory. Paths are compared
// resolved: absolute, cleaned, symlinks followed (of the file, or of its
// directory when it does not exist yet), and an existing file also by
// identity (os.SameFile), so a hard link is caught. The error is a
// *PathError naming both flags and paths.
func CheckPaths(cfg Config, extra ...Path) error {
	outDir := cfg.OutDir
	if outDir == "" {
		outDir = writer.DefaultOutDir
	}
	outs := append(cfg.Outputs(), extra...)
	others := append([]Path{}, cfg.Inputs()...)
	for i, o := range outs {
		ro := resolve(o.Path)
		if ro.fi != nil && ro.fi.IsDir() {
			return &PathError{Output: o, Reason: "is a directory; name a file"}
		}
		for _, x := range append(others, outs[:i]...) {
			if ro.same(resolve(x.Path)) {
				return &PathError{Output: o, Other: &x}
			}
		}
		rd := resolve(outDir)
		if ro.same(rd) {
			return &PathError{Output: o, Other: &Path{"--out", outDir}}
		}
		if rel, err := filepath.Rel(rd.path, ro.path); err == nil && rel != "." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != ".." {
			rel = filepath.ToSlash(rel)
			if rel == writer.StateDir || strings.HasPrefix(rel, writer.StateDir+"/") || writer.ContentAddressed(rel) {
				return &PathError{Output: o, Reason: fmt.Sprintf("lies in --out %s where the bake writes (%s): name a path outside it, or one not shaped like a bake file", outDir, rel)}
			}
		}
	}
	// --out itself must not be an input file.
	rd := resolve(outDir)
	for _, x := range others {
		if rd.same(resolve(x.Path)) {
			return &PathError{Output: Path{"--out", outDir}, Other: &x}
		}
	}
	return nil
}

// resolved is a path made absolute, symlinks followed as far as it exists,
// and its file's identity when it exists.
type resolved struct {
	path string
	fi   fs.FileInfo
}

func resolve(p string) resolved {
	abs, err := filepath.Abs(p)
	if err != nil {
		return resolved{path: filepath.Clean(p)}
	}
	// Follow symlinks through the deepest part that exists; the rest (an
	// output not written yet) is appended as named.
	head, tail := abs, ""
	for {
		if r, err := filepath.EvalSymlinks(head); err == nil {
			full := filepath.Join(r, tail)
			fi, _ := os.Stat(full)
			return resolved{path: full, fi: fi}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return resolved{path: abs}
		}
		parent := filepath.Dir(head)
		if parent == head {
			return resolved{path: abs}
		}
		tail = filepath.Join(filepath.Base(head), tail)
		head = parent
	}
}

func (r resolved) same(o resolved) bool {
	if r.path == o.path {
		return true
	}
	return r.fi != nil && o.fi != nil && os.SameFile(r.fi, o.fi)
}
