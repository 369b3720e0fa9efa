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
		Long: `prune removes the content-addressed files in --out that none of the newest N
manifests in --out/.prebake/manifests (nor the live --manifest) name, then the
older history entries. Inside the set directories those manifests still name,
it removes the variant files of an encoding none of them lists for the set (a
later bake of the same set reuses its directory whole, so the .zst variants of
bakes before zstd was dropped stay there until then). Files without a content hash in their name are not
prebake's and are left alone. Keep N at least as large as the number of
deploys an app may still be serving.`,
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
				fmt.Fprintln(out, "left alone (not content-addressed):", p)
			}
			fmt.Fprintf(out, "kept %d manifests; %s %d files (%s) and %d old manifests\n",
				len(res.KeptManifests), verb, len(res.Removed), humanBytes(res.RemovedBytes), len(res.RemovedManifests))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Keep, "keep", 3, "how many of the newest manifests' files to keep")
	f.StringVarP(&opts.OutDir, "out", "o", "output", "the output directory")
	f.StringVarP(&opts.ManifestPath, "manifest", "m", "manifest.json", "the live manifest, whose files are always kept")
	f.BoolVar(&opts.DryRun, "dry-run", false, "list what would be removed, remove nothing")
	f.BoolVarP(&verbose, "verbose", "v", false, "list every file removed (--dry-run always lists)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	rootCmd.AddCommand(cmd)
}
