package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/verify"
)

func init() {
	var manifestPath, outDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify [--manifest manifest.json] [--out output] [--json]",
		Short: "Re-check every file the manifest names",
		Long: `verify re-hashes every file the manifest names (originals and pre-compressed
variants), checks sizes and SRI integrity, decodes every variant and compares it
with its original, checks each tile and shard set against its index, and
reports missing, corrupt and unexpected files (files in a set's directory that
are not in the set). Variant files in a set's directory that only an older
manifest in --out/.prebake/manifests lists (a set directory is reused whole by a
later bake of the same set, with the variants of an encoding since dropped, such
as .zst) are accepted and counted as retained: prune removes them once no kept
manifest lists them. It exits non-zero when it finds a problem.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := verify.File(manifestPath, outDir, verify.Options{})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(out, struct {
					OK bool `json:"ok"`
					*verify.Report
				}{r.OK(), r}); err != nil {
					return err
				}
			} else {
				for _, p := range r.Problems {
					fmt.Fprintln(out, p)
				}
				if r.Retained > 0 {
					fmt.Fprintf(out, "%d variant files kept for older manifests in the history (prune removes them once none is kept)\n", r.Retained)
				}
				fmt.Fprintf(out, "build %s: checked %d files, %d bytes in %s: %d problems\n", r.BuildID, r.Files, r.Bytes, outDir, len(r.Problems))
			}
			if !r.OK() {
				return fmt.Errorf("verify: %d problems in %s against %s", len(r.Problems), outDir, manifestPath)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&manifestPath, "manifest", "m", "manifest.json", "the manifest to check against")
	f.StringVarP(&outDir, "out", "o", "output", "the output directory the manifest's paths are relative to")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON (for CI)")
	rootCmd.AddCommand(cmd)
}
