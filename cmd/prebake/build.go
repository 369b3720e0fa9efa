package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/generators/maptiles"
	"github.com/prebake/prebake/internal/source"
	"github.com/prebake/prebake/manifest"
)

// BuildOptions are build's flags.
type BuildOptions struct {
	Out, ErrOut      io.Writer
	Version          string      // prebake's, written into the manifest
	Config           bake.Config // the bake's flags
	JSON             bool        // --json
	Quiet            bool        // --quiet
	CPUProfile       string      // --cpuprofile
	MemProfile       string      // --memprofile
	MemoryLimitMiB   int         // --memory-limit
	MemoryLimitGiven bool        // whether --memory-limit was given (else GOMEMLIMIT, when set, wins)
}

// NewCmdBuild is `prebake build`; runF, when not nil, runs instead of
// buildRun. No --source and out-of-range map or shrink options are usage
// errors; so are outputs that collide with inputs (bake.CheckPaths, in
// buildRun, as it reads the file system).
func NewCmdBuild(factory *Factory, runF func(*BuildOptions) error) *cobra.Command {
	opts := &BuildOptions{Version: factory.Version}
	cfg := &opts.Config
	cmd := &cobra.Command{
		Use:   "build --source FILE... [--postcodes FILE...]",
		Short: "Bake the register into content-hashed files and manifest.json",
		Long: `build reads component and CMU register files, geocodes every component offline
(OS grid reference or postcode), and writes map tiles, tables, location lookups,
the company index and statistics into --out, then manifest.json last.

A --source postgres://..., postgresql://... or env:NAME (a variable holding such
a URL: keep the password off the command line) reads the app's database, table
checker_component: each row's additional_data is the register row, accounted
for like a file's; its stored latitude/longitude place what offline geocoding
cannot. The database is named in the manifest and report without credentials.

Every input row is accounted for: used, duplicate or rejected (with its reason).
A build whose inputs (this executable, every input file's bytes, the options and
SOURCE_DATE_EPOCH) are those of the last build into --out, with its manifest and
files still in place, is skipped and writes nothing; --force bakes anyway.

Rejected and unlocated rows are listed in --report. A build that fails or is
killed leaves the previous manifest, its report and every file it names intact.
A bake that would publish fewer rows than the manifest in force (more than
--max-shrink), no components, or a source that yields no row fails unless
--allow-shrink. Build and prune lock the output directory against each other.

Before anything is written, an output (--manifest, --report and its .failed
twin, --django-staticfiles, --cpuprofile, --memprofile) that is the same file
as an input (each --source file as its glob expands, --postcodes,
--boundaries), as another output or as --out, that lies in --out where the
bake writes, or that is a directory, is refused (exit status 2), naming both.`,
		Example: `  # the bundled synthetic sample (what 'make run' does)
  prebake sample --out .cache/sample
  prebake build --source '.cache/sample/synthetic_*.json' --postcodes .cache/sample/synthetic_postcodes.csv

  # the real register and Code-Point Open
  prebake build --source '../shared/data/register/components_*.json' \
    --source ../shared/data/register/cmu_register_rows.json \
    --postcodes ../shared/data/postcodes/postcodes-en.csv.gz \
    --boundaries ../shared/data/geo/gb_dno_boundaries.geojson

  # the app's database (DATABASE_URL as its deploys set it) and the CMU register
  prebake build --source env:DATABASE_URL --source cmu_register_rows.json \
    --postcodes postcodes-en.csv.gz`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(cfg.Sources) == 0 {
				return usagef("no --source given: name at least one register file (globs allowed)")
			}
			// The map flags are taken as given: a value out of range is an error
			// naming the flag, never replaced by a default.
			if err := cfg.Maptiles.Check(); err != nil {
				return usagef("map options (--min-zoom, --max-zoom, --radius, --extent, --min-points): %w", err)
			}
			if cfg.MaxShrink < 0 || cfg.MaxShrink > 1 {
				return usagef("--max-shrink %g: want a share between 0 and 1", cfg.MaxShrink)
			}
			opts.MemoryLimitGiven = cmd.Flags().Changed("memory-limit")
			opts.Out, opts.ErrOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return buildRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&cfg.Sources, "source", "s", nil, "register file: app cache JSON, CKAN response, JSON array, NDJSON, CSV or CMU rows (repeatable; globs allowed); or the app's database: postgres://... or env:NAME")
	f.DurationVar(&cfg.DBTimeout, "db-timeout", source.DefaultStatementTimeout, "statement timeout of a database --source (each statement of the read: the table check, each batch of rows)")
	f.StringVar(&cfg.Format, "format", "", "force the input format (app-cache, ckan, json, ndjson, csv, cmu) instead of detecting it")
	f.StringArrayVarP(&cfg.Postcodes, "postcodes", "p", nil, "postcode table: Code-Point Open CSV (gzip ok), ONS Postcode Directory CSV, or postcode,lat,lng CSV (repeatable)")
	f.StringVar(&cfg.Boundaries, "boundaries", "", "polygon GeoJSON of DNO areas (EPSG:27700 or WGS84) to bake per zoom")
	addOutFlag(f, &cfg.OutDir, "output directory (what CI uploads to the CDN)")
	addManifestFlag(f, &cfg.ManifestPath, "where to write the manifest")
	f.StringVar(&cfg.ReportPath, "report", "", "JSON Lines report of rejected and unlocated rows, unused grid references and differing duplicates, replaced only when the manifest is (default: prebake-report.jsonl beside --manifest; a failed build writes prebake-report.failed.jsonl)")
	f.StringVar(&cfg.BaseURL, "base-url", "", "URL prefix for every file in the manifest, e.g. https://cdn.example.org/prebake")
	f.StringVar(&cfg.DjangoStaticfiles, "django-staticfiles", "", "also write a Django ManifestStaticFilesStorage staticfiles.json here")
	f.BoolVar(&cfg.Strict, "strict", false, "fail the build if any input row is rejected")
	f.BoolVar(&cfg.AllowShrink, "allow-shrink", false, "publish even if the bake has no components, a source yields no row, or a kind of row drops by more than --max-shrink against the manifest in force")
	f.Float64Var(&cfg.MaxShrink, "max-shrink", bake.DefaultMaxShrink, "largest share of components, CMU rows or postcodes a bake may lose against the manifest in force without --allow-shrink")
	f.BoolVar(&cfg.Force, "force", false, "bake every stage afresh: without it, a bake whose inputs are all the last bake's into --out is skipped (writing nothing), and a stage whose inputs are reuses the last bake's files (--json's reuse says which and why)")
	f.BoolVar(&cfg.IncludeContacts, "include-contacts", false, "publish the CMU register's contact names, e-mails and phone numbers (off: never published)")
	f.IntVar(&cfg.Maptiles.MinZoom, "min-zoom", 0, "lowest zoom clustered; vector tiles below it show its clusters")
	f.IntVar(&cfg.Maptiles.MaxZoom, "max-zoom", 16, fmt.Sprintf("highest zoom clustered, 0 to %d; raw points above it", maptiles.MaxMaxZoom))
	f.Float64Var(&cfg.Maptiles.Radius, "radius", 60, "cluster radius in pixels (SuperCluster's radius)")
	f.IntVar(&cfg.Maptiles.Extent, "extent", 512, "tile extent in pixels the radius is relative to (SuperCluster's extent)")
	f.IntVar(&cfg.Maptiles.MinPoints, "min-points", 2, "minimum points to form a cluster, 2 or more")
	f.BoolVar(&opts.JSON, "json", false, "print a machine-readable summary on stdout")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing but errors")
	f.IntVar(&opts.MemoryLimitMiB, "memory-limit", 0, "soft limit on the Go heap in MiB (runtime/debug.SetMemoryLimit): near it the bake collects garbage more often rather than grow; 0 or less for none. Default: 8.5 times the register files' size, from 340 to 1,800 MiB; GOMEMLIMIT, when set, replaces the default. (build also sets GOGC=200 for registers under 256 MiB unless GOGC is set, so that this limit decides when to collect)")
	f.StringVar(&opts.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole bake here, for go tool pprof (or set PREBAKE_CPUPROFILE)")
	f.StringVar(&opts.MemProfile, "memprofile", "", "write the heap profile taken at the bake's peak live heap here, for go tool pprof -sample_index=inuse_space (or set PREBAKE_MEMPROFILE)")
	return cmd
}

func buildRun(opts *BuildOptions) error {
	cfg := opts.Config
	if cfg.MaxShrink == 0 {
		cfg.MaxShrink = math.SmallestNonzeroFloat64 // 0 means no loss at all, not the default
	}
	cfg.Generator = manifest.Generator{Name: "prebake", Version: opts.Version}
	if cfg.ReportPath == "" {
		cfg.ReportPath = bake.DefaultReportPath(cfg.ManifestPath)
	}
	// Stages on stderr: redrawn in place on a terminal, a line each
	// in a log; none with --json (its stages field has the times)
	var prog *stageProgress
	if !opts.Quiet && !opts.JSON {
		prog = newStageProgress(opts.ErrOut, showProgress())
		cfg.StageStarted, cfg.Progress = prog.started, prog.ended
	}
	cpuProfile, memProfile := opts.CPUProfile, opts.MemProfile
	if cpuProfile == "" {
		cpuProfile = os.Getenv("PREBAKE_CPUPROFILE")
	}
	if memProfile == "" {
		memProfile = os.Getenv("PREBAKE_MEMPROFILE")
	}
	srcBytes := sourceBytes(cfg.Sources)
	if limit, ok := memoryLimit(opts.MemoryLimitGiven, os.Getenv("GOMEMLIMIT"), opts.MemoryLimitMiB, srcBytes); ok {
		debug.SetMemoryLimit(limit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent(srcBytes))
	}
	// Before anything is written (the profiles, the lock, the bake):
	// no output may land on an input or on another output.
	var profiles []bake.Path
	for _, p := range []bake.Path{{Flag: "--cpuprofile", Path: cpuProfile}, {Flag: "--memprofile", Path: memProfile}} {
		if p.Path != "" {
			profiles = append(profiles, p)
		}
	}
	if err := bake.CheckPaths(cfg, profiles...); err != nil {
		return err
	}
	stop, err := startProfiles(cpuProfile, memProfile)
	if err != nil {
		return err
	}
	s, err := bake.Run(cfg)
	prog.close()
	if perr := stop(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.Out, s)
	}
	if !opts.Quiet {
		printSummary(opts.Out, s)
	}
	return nil
}

// build's default soft heap limit is a budget that grows with the register:
// HeapPerSourceByte times the register files' size, at least
// MinDefaultMemoryLimitMiB and at most MaxDefaultMemoryLimitMiB.
//
//   - The floor, 340 MiB, keeps the real register's bake (its live heap peaks
//     at about 200 MB, most of it the Code-Point table) at 378 MB resident,
//     within issue 29's 400 MB, and the 64k sample's (about 160 MB live) at
//     382 MB, within issue 13's 512 MB.
//   - The slope, 8.5, is twice the live heap per register byte of the 64k
//     sample (160 MB for 40 MB of files), so that a register too big for the
//     floor gets a limit with room above its live heap instead of collecting
//     without pause near it.
//   - The ceiling, 1,800 MiB, holds the 1M-component sample to 1.81-1.95 GiB
//     resident, within issue 29's 2 GiB: at 1,900 MiB it reached 1.93-2.00
//     GiB once the generators' working sets grew faster, too close to it.
//
// docs/performance.md, "The whole bake", has the measurements.
const (
	MinDefaultMemoryLimitMiB = 340
	MaxDefaultMemoryLimitMiB = 1800
	HeapPerSourceByte        = 8.5
)

// defaultMemoryLimit is the soft heap limit in bytes for a bake whose register
// files total sourceBytes.
func defaultMemoryLimit(sourceBytes int64) int64 {
	// In float64, compared before converting: 8.5 times a huge size does not fit an int64.
	limit := min(max(HeapPerSourceByte*float64(sourceBytes), MinDefaultMemoryLimitMiB<<20), MaxDefaultMemoryLimitMiB<<20)
	return int64(limit)
}

// gcPercent is build's GOGC unless the environment sets one, for a bake
// whose register files total sourceBytes: 200 below 256 MiB, else Go's 100.
// At 200 the heap may grow to three times the live heap before a collection,
// so on a register this small the soft limit (defaultMemoryLimit), not the
// growth ratio, decides when to collect: the 64k sample collected 60% past
// its live heap before (GOGC=60, for issue 13's 512 MB), and spent 0.5 s more
// of its 4 s on it. A big register is bounded by the limit either way
// (docs/performance.md, "The whole bake", has the measurements).
func gcPercent(sourceBytes int64) int {
	if sourceBytes < 256<<20 {
		return 200
	}
	return 100
}

// sourceBytes is the total size of the files the --source patterns name, as
// source.Read expands them; 0 when they cannot be expanded (the bake reports
// why). A database's size is not known before it is read: with one among the
// sources it is math.MaxInt64, a register taken as large (the ceiling of the
// heap limit, Go's GOGC), rather than as small, where a register of a million
// rows would collect without pause at the floor.
func sourceBytes(patterns []string) int64 {
	if slices.ContainsFunc(patterns, source.IsDatabase) {
		return math.MaxInt64
	}
	files, err := source.Files(patterns)
	if err != nil {
		return 0
	}
	var n int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			n += st.Size()
		}
	}
	return n
}

// memoryLimit is the soft heap limit build sets, in bytes, and whether to set
// one: the --memory-limit flag (MiB; 0 or less for none) when given, else
// nothing when GOMEMLIMIT is set (the runtime has applied it), else
// defaultMemoryLimit for register files totalling sourceBytes.
func memoryLimit(flagGiven bool, gomemlimit string, mib int, sourceBytes int64) (int64, bool) {
	if !flagGiven {
		if gomemlimit != "" {
			return 0, false
		}
		return defaultMemoryLimit(sourceBytes), true
	}
	if mib <= 0 || int64(mib) > math.MaxInt64>>20 { // none asked for, or more than an int64 of bytes
		return math.MaxInt64, true // the runtime's "no limit"
	}
	return int64(mib) << 20, true
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

func printSummary(w io.Writer, s *bake.Summary) {
	label := ""
	if s.Synthetic {
		label = " (SYNTHETIC sample data)"
	}
	fmt.Fprintf(w, "baked %s%s in %.1fs: %d components (%d on the map), %d CMU rows, %d postcodes\n",
		s.BuildID[:min(16, len(s.BuildID))], label, s.Seconds, s.Components, s.Located, s.CMUs, s.Postcodes)
	if s.Unchanged {
		fmt.Fprintf(w, "inputs unchanged since the last bake into %s: nothing written (--force bakes anyway)\n", s.OutDir)
	}
	var reused, afresh []string
	for _, r := range s.Reuse {
		if r.Reused {
			reused = append(reused, r.Stage)
		} else {
			afresh = append(afresh, r.Stage+" ("+r.Reason+")")
		}
	}
	if len(reused) > 0 {
		fmt.Fprintf(w, "reused from the last bake (inputs unchanged): %s; baked afresh: %s\n", strings.Join(reused, ", "), orNone(afresh))
	}
	fmt.Fprintf(w, "wrote %d assets, %d tile sets, %d shard sets into %s; manifest %s\n", s.Assets, s.TileSets, s.ShardSets, s.OutDir, s.Manifest)
	for _, src := range s.Sources {
		c := src.Counts
		fmt.Fprintf(w, "  %s [%s %s]: read %d = used %d + duplicate %d + rejected %d", src.Path, src.Kind, src.Format, c.Read, c.Used, c.Duplicate, c.Rejected)
		if len(c.RejectedBy) > 0 {
			fmt.Fprintf(w, " (%s)", bake.FormatCounts(c.RejectedBy))
		}
		fmt.Fprintln(w)
		if len(c.Geocoded) > 0 {
			fmt.Fprintf(w, "    geocoded: %s\n", bake.FormatCounts(c.Geocoded))
		}
		if len(c.Unlocated) > 0 {
			fmt.Fprintf(w, "    unlocated: %s\n", bake.FormatCounts(c.Unlocated))
		}
	}
	if len(s.ColumnDifferences) > 0 {
		fmt.Fprintf(w, "hand-edited database columns that differ from the register row (the register wins): %s\n", bake.FormatCounts(s.ColumnDifferences))
	}
	if len(s.AppPositions) > 0 {
		fmt.Fprintf(w, "the app's stored positions: %s\n", bake.FormatCounts(s.AppPositions))
	}
	if s.DuplicatesDiffering > 0 {
		fmt.Fprintf(w, "%d duplicate rows differ from the row kept (the first read wins)\n", s.DuplicatesDiffering)
	}
	fmt.Fprintf(w, "rejected, unlocated and differing duplicate rows: %s\n", s.Report)
}
