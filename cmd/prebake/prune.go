package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/writer"
)

// PruneOptions are prune's flags.
type PruneOptions struct {
	Out     io.Writer
	Prune   writer.PruneOptions
	JSON    bool // --json
	Verbose bool // --verbose
}

// NewCmdPrune is `prebake prune`; runF, when not nil, runs instead of pruneRun.
func NewCmdPrune(_ *Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{}
	cmd := &cobra.Command{
		Use:   "prune --keep N [--out output] [--manifest manifest.json] [--dry-run]",
		Short: "Remove files no longer named by the last N manifests",
		Long: `prune removes the files in --out that some manifest of the history
(--out/.prebake/manifests) named and that none of the last N builds committed
there (nor the live --manifest) name, then the older history entries.

"Last" is commit order: build numbers each history entry as it commits it, so
bakes sharing SOURCE_DATE_EPOCH, or a rebuild of an older commit, are ordered
as they were deployed; a bake committed again (a roll-back) counts once, as
the newest. Entries of prebake versions that did not number them count as
older than every numbered one.

A file no manifest of the history named is not prebake's and is left alone
(and listed), whatever its name: another tool's app.0123456789abcdef.js, a
file dropped into a set directory, a hidden file. Inside the set directories
the kept manifests name, the variant files of an encoding only older
manifests listed (the .zst of bakes before zstd was dropped) are removed.
Keep N at least as large as the number of deploys an app may still be serving.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Prune.Keep < 1 { // writer.Prune refuses it too, for other callers; here it is a usage error
				return usagef("--keep %d: keep at least 1 manifest", opts.Prune.Keep)
			}
			opts.Out = cmd.OutOrStdout()
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(opts)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Prune.Keep, "keep", 3, "how many of the last builds committed to the history to keep")
	addOutFlag(f, &opts.Prune.OutDir, "the output directory")
	addManifestFlag(f, &opts.Prune.ManifestPath, "the live manifest, whose files are always kept")
	f.BoolVar(&opts.Prune.DryRun, "dry-run", false, "list what would be removed, remove nothing")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "list every file removed (--dry-run always lists)")
	f.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

func pruneRun(opts *PruneOptions) error {
	res, err := writer.Prune(opts.Prune)
	if err != nil {
		return err
	}
	out := opts.Out
	if opts.JSON {
		return writeJSON(out, res)
	}
	verb := "removed"
	if opts.Prune.DryRun {
		verb = "would remove"
	}
	if opts.Verbose || opts.Prune.DryRun {
		for _, p := range res.Removed {
			fmt.Fprintln(out, verb, p)
		}
	}
	for _, p := range res.LeftAlone {
		fmt.Fprintln(out, "left alone (no manifest of the history named it):", p)
	}
	fmt.Fprintf(out, "kept %d manifests; %s %d files (%s) and %d old manifests\n",
		len(res.KeptManifests), verb, len(res.Removed), humanBytes(res.RemovedBytes), len(res.RemovedManifests))
	return nil
}
