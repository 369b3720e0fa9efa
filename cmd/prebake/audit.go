package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/audit"
	"github.com/prebake/prebake/manifest"
)

// AuditOptions are audit's flags.
type AuditOptions struct {
	Out, ErrOut    io.Writer
	Audit          audit.Options
	Delete         audit.DeleteOptions
	RedisURL       string // --redis
	ManifestPath   string // --manifest
	JSON           bool   // --json
	DeleteReplaced bool   // --delete-replaced
	Families       int    // --families: families printed
}

// NewCmdAudit is `prebake audit`; runF, when not nil, runs instead of auditRun.
// Out-of-range numbers and flags that need another are usage errors, found
// before anything is read.
func NewCmdAudit(_ *Factory, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{}
	cmd := &cobra.Command{
		Use:   "audit --redis redis://host:port/db [--manifest manifest.json] [--delete-replaced [--yes]]",
		Short: "Measure what sits in the app's Redis and what the bake replaces",
		Long: `audit walks one Redis database with SCAN (never KEYS), reads every key's
TYPE, MEMORY USAGE and TTL in pipelined batches without blocking the server, and
groups the keys into the app's cache families (Django cache keys
"<KEY_PREFIX>:<version>:<key>": map_data_<md5>, component_detail_<id>,
cmu_dataframe_v1, ...); keys it does not know are grouped by shape. Per family it
prints keys, bytes, TTL spread and the largest keys, and with --manifest which
output of the bake replaces it and the memory deleting it would free, beside
the server's INFO memory figures.

--delete-replaced removes the keys of the families the manifest replaces, and
nothing else, with UNLINK in batches. It is a dry run unless --yes is given.

--json is lossless: a Redis key is any bytes, and a key in "largest" that is
not valid UTF-8 has, beside "key" (where each bad byte is U+FFFD), a
"key_base64" with its exact bytes in standard base64. The text report writes
such bytes as \xNN.`,
		Example: `  prebake audit --redis redis://localhost:6379/0 --manifest manifest.json
  prebake audit --redis "$REDIS_URL" --json > redis-audit.json
  prebake audit --redis redis://localhost:6379/0 --manifest manifest.json --delete-replaced        # dry run
  prebake audit --redis redis://localhost:6379/0 --manifest manifest.json --delete-replaced --yes  # unlink`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkAuditOptions(opts); err != nil {
				return usageError{err}
			}
			opts.Out, opts.ErrOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return auditRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.RedisURL, "redis", os.Getenv("REDIS_URL"), "the app's cache: redis://[user:password@]host:port/db (default $REDIS_URL)")
	f.StringVarP(&opts.ManifestPath, "manifest", "m", "", "a bake's manifest.json: say which families it replaces")
	f.StringVar(&opts.Audit.KeyPrefix, "key-prefix", "", "Django's KEY_PREFIX of the app's cache")
	f.IntVar(&opts.Audit.Version, "cache-version", 1, "Django's VERSION of the app's cache: only <KEY_PREFIX>:<VERSION>:<key> is the app's")
	f.Int64Var(&opts.Audit.ScanCount, "count", 200, "SCAN COUNT, at least 1: about the keys read per round trip (larger: more latency for other clients)")
	f.IntVar(&opts.Audit.Top, "top", 5, "largest keys listed per family, at least 1")
	f.IntVar(&opts.Families, "families", 30, "families printed, largest first, at least 0 (the rest are summed; --json has all)")
	f.BoolVar(&opts.DeleteReplaced, "delete-replaced", false, "remove the keys of the families the manifest replaces (a dry run without --yes)")
	f.BoolVar(&opts.Delete.Execute, "yes", false, "with --delete-replaced: really UNLINK the keys")
	f.BoolVar(&opts.Delete.Execute, "execute", false, "the same as --yes")
	f.IntVar(&opts.Delete.Batch, "batch", 500, "keys per UNLINK, at least 1")
	f.BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	return cmd
}

// checkAuditOptions refuses, never substitutes: the library's defaults are
// for its zero Options, not for a number the user typed.
func checkAuditOptions(opts *AuditOptions) error {
	for _, c := range []struct {
		flag     string
		got, min int64
	}{
		{"--count", opts.Audit.ScanCount, 1},
		{"--top", int64(opts.Audit.Top), 1},
		{"--families", int64(opts.Families), 0},
		{"--batch", int64(opts.Delete.Batch), 1},
		{"--cache-version", int64(opts.Audit.Version), 1},
	} {
		if c.got < c.min {
			return fmt.Errorf("%s %d: must be at least %d", c.flag, c.got, c.min)
		}
	}
	if opts.RedisURL == "" {
		return fmt.Errorf("no --redis given (and REDIS_URL is not set): name the app's cache, e.g. redis://localhost:6379/0")
	}
	if opts.DeleteReplaced && opts.ManifestPath == "" {
		return fmt.Errorf("--delete-replaced needs --manifest: only the families a bake replaces are deleted")
	}
	if opts.Delete.Execute && !opts.DeleteReplaced {
		return fmt.Errorf("--yes only confirms --delete-replaced")
	}
	return nil
}

func auditRun(o *AuditOptions) error {
	opts, del := o.Audit, o.Delete
	if o.ManifestPath != "" {
		m, err := manifest.Load(o.ManifestPath)
		if err != nil {
			return err
		}
		opts.Manifest, opts.ManifestPath = m, o.ManifestPath
	}
	opts.KeepReplacedKeys = o.DeleteReplaced
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// go-redis logs every failed dial on its own; the error returned
	// says it once, on one line
	redis.SetLogger(quietLogger{})
	rdb, err := audit.Connect(ctx, o.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	errw := o.ErrOut
	progress := !o.JSON && showProgress()
	if progress {
		opts.Progress = func(read, total int64) {
			fmt.Fprintf(errw, "\r  read %d of %d keys", read, total)
		}
		del.Progress = func(done, total int64) {
			fmt.Fprintf(errw, "\r  unlinked %d of %d keys", done, total)
		}
	}
	r, err := audit.Run(ctx, rdb, opts)
	if progress {
		fmt.Fprintln(errw)
	}
	if err != nil {
		return err
	}
	if o.DeleteReplaced {
		_, err := audit.DeleteReplaced(ctx, rdb, r, del)
		if progress && del.Execute {
			fmt.Fprintln(errw)
		}
		if err != nil {
			return err
		}
	}
	if o.JSON {
		return writeJSON(o.Out, r)
	}
	printAudit(o.Out, r, o.Families)
	return nil
}

func printAudit(w io.Writer, r *audit.Report, shown int) {
	s, m := r.Server, r.Server.Memory
	fmt.Fprintf(w, "Redis %s at %s db %d: %d keys, %s in keys (MEMORY USAGE)\n",
		s.Version, s.Addr, s.DB, r.Keys, humanBytes(r.Bytes))
	limit := "no maxmemory"
	if m.MaxMemory > 0 {
		limit = fmt.Sprintf("maxmemory %s (%s), %.0f%% used", humanBytes(m.MaxMemory), m.MaxMemoryPolicy,
			100*float64(m.UsedMemory)/float64(m.MaxMemory))
	}
	fmt.Fprintf(w, "INFO memory: used %s (dataset %s, overhead %s), peak %s, rss %s, fragmentation %.2f; %s\n",
		humanBytes(m.UsedMemory), humanBytes(m.UsedMemoryDataset), humanBytes(m.UsedMemoryOverhead),
		humanBytes(m.UsedMemoryPeak), humanBytes(m.UsedMemoryRSS), m.FragmentationRatio, limit)
	if r.Vanished > 0 {
		fmt.Fprintf(w, "%d keys expired or were deleted while the audit ran\n", r.Vanished)
	}
	if r.Manifest != nil {
		fmt.Fprintf(w, "manifest %s (build %s)\n", r.Manifest.Path, r.Manifest.BuildID)
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	last := "replaced by"
	if r.Manifest == nil {
		last = "a bake replaces it with"
	}
	fmt.Fprintf(tw, "family\t    keys\t     bytes\t share\tTTL min / p50 / max\t%s\n", last)
	var restKeys, restBytes int64
	for i, f := range r.Families {
		if i >= shown {
			restKeys += f.Keys
			restBytes += f.Bytes
			continue
		}
		fmt.Fprintf(tw, "%s\t%8d\t%10s\t%6s\t%s\t%s\n", familyLabel(f), f.Keys, humanBytes(f.Bytes),
			share(f.Bytes, r.Bytes), ttlText(f.TTL), replacedText(f, r.Manifest != nil))
	}
	if restKeys > 0 {
		fmt.Fprintf(tw, "(%d more families)\t%8d\t%10s\t%6s\t\t\n", len(r.Families)-shown, restKeys, humanBytes(restBytes), share(restBytes, r.Bytes))
	}
	tw.Flush()
	fmt.Fprintln(w)

	fmt.Fprintln(w, "largest keys (MEMORY USAGE, TTL, type):")
	for i, f := range r.Families {
		if i >= min(shown, 10) {
			break
		}
		fmt.Fprintf(w, "  %s\n", familyLabel(f))
		for _, k := range f.Largest {
			fmt.Fprintf(w, "    %10s  %-6s %-6s %s\n", humanBytes(k.Bytes), ttlSeconds(k.TTL), k.Type, keyText(k.Key))
		}
	}
	fmt.Fprintln(w)

	if r.Manifest == nil {
		fmt.Fprintln(w, "give --manifest to see which families a bake replaces")
	} else {
		fmt.Fprintf(w, "the bake replaces %d families: %d keys, %s (%s of the keys' memory) freed by deleting them\n",
			r.Replaced.Families, r.Replaced.Keys, humanBytes(r.Replaced.Bytes), share(r.Replaced.Bytes, r.Bytes))
	}
	if d := r.Deletion; d != nil {
		if d.DryRun {
			fmt.Fprintf(w, "dry run: would UNLINK %d keys of %d families (%s); nothing was removed (add --yes)\n",
				d.Keys, len(d.Families), humanBytes(d.Bytes))
		} else {
			fmt.Fprintf(w, "unlinked %d of %d keys of %d families (%s when audited); used_memory now %s\n",
				d.Unlinked, d.Keys, len(d.Families), humanBytes(d.Bytes), humanBytes(d.Memory.UsedMemory))
		}
		for _, f := range d.Families {
			fmt.Fprintf(w, "  %-36s %8d keys %10s\n", f.Family, f.Keys, humanBytes(f.Bytes))
		}
	}
}

// keyText quotes a key for the text report, cut after 120 bytes with its
// length (a Redis key may be up to 512 MB; --json has it whole).
func keyText(k string) string {
	const most = 120
	if len(k) <= most {
		return strconv.Quote(k)
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(k[:most]), len(k))
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func familyLabel(f audit.FamilyReport) string {
	switch f.Kind {
	case audit.KindDjango:
		return "[django] " + f.Family
	case audit.KindOther:
		return "[not django] " + f.Family
	}
	return f.Family
}

// replacedText fills the last column: with a manifest, the outputs of it that
// replace the family; without, the outputs of a bake that would.
func replacedText(f audit.FamilyReport, haveManifest bool) string {
	switch {
	case f.Kind != audit.KindApp:
		return ""
	case len(f.ReplaceableBy) == 0 && f.Note != "":
		return "- (" + f.Note + ")"
	case len(f.ReplaceableBy) == 0:
		return "-"
	case !haveManifest:
		return outputNames(f.ReplaceableBy)
	case len(f.ReplacedBy) == 0:
		return "not by this manifest (" + outputNames(f.ReplaceableBy) + ")"
	}
	return outputNames(f.ReplacedBy)
}

// outputNames drops the manifest sections of "<section>:<name>" entries.
func outputNames(outputs []string) string {
	names := make([]string, len(outputs))
	for i, o := range outputs {
		_, names[i], _ = strings.Cut(o, ":")
	}
	return strings.Join(names, ", ")
}

func share(part, whole int64) string {
	if whole == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

func ttlText(t audit.TTLSpread) string {
	if t.Expiring == 0 {
		return "none"
	}
	s := ttlSeconds(t.Min) + " / " + ttlSeconds(t.P50) + " / " + ttlSeconds(t.Max)
	if t.NoExpiry > 0 {
		s += fmt.Sprintf(" (+%d none)", t.NoExpiry)
	}
	return s
}

// ttlSeconds writes a TTL in its largest unit, to a tenth: 45s, 30m, 1.5h, 3d;
// -1 is "none".
func ttlSeconds(s int64) string {
	unit := func(v float64, u string) string {
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + u
	}
	switch {
	case s < 0:
		return "none"
	case s >= 86400:
		return unit(float64(s)/86400, "d")
	case s >= 3600:
		return unit(float64(s)/3600, "h")
	case s >= 60:
		return unit(float64(s)/60, "m")
	}
	return fmt.Sprintf("%ds", s)
}
