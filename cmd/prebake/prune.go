package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/writer"
)

func init() {
	var opts writer.PruneOptions
	var asJSON, verbose bool
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Keep < 1 {
				return usagef("--keep %d: keep at least 1 manifest", opts.Keep)
			}
			res, err := writer.Prune(opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, res)
			}
			verb := "removed"
			if opts.DryRun {
				verb = "would remove"
			}
			if verbose || opts.DryRun {
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
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Keep, "keep", 3, "how many of the last builds committed to the history to keep")
	f.StringVarP(&opts.OutDir, "out", "o", "output", "the output directory")
	f.StringVarP(&opts.ManifestPath, "manifest", "m", "manifest.json", "the live manifest, whose files are always kept")
	f.BoolVar(&opts.DryRun, "dry-run", false, "list what would be removed, remove nothing")
	f.BoolVarP(&verbose, "verbose", "v", false, "list every file removed (--dry-run always lists)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	rootCmd.AddCommand(cmd)
}
