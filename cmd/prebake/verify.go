package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/verify"
)

// VerifyOptions are verify's flags.
type VerifyOptions struct {
	Out          io.Writer
	ManifestPath string // --manifest
	OutDir       string // --out
	JSON         bool   // --json
}

// NewCmdVerify is `prebake verify`; runF, when not nil, runs instead of verifyRun.
func NewCmdVerify(_ *Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{}
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
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = cmd.OutOrStdout()
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	f := cmd.Flags()
	addManifestFlag(f, &opts.ManifestPath, "the manifest to check against")
	addOutFlag(f, &opts.OutDir, "the output directory the manifest's paths are relative to")
	f.BoolVar(&opts.JSON, "json", false, "print the report as JSON (for CI)")
	return cmd
}

func verifyRun(opts *VerifyOptions) error {
	manifestPath, outDir := opts.ManifestPath, opts.OutDir
	r, err := verify.File(manifestPath, outDir, verify.Options{})
	if err != nil {
		return err
	}
	out := opts.Out
	if opts.JSON {
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
}
