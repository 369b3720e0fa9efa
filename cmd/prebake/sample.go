package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/sample"
)

// SampleOptions are sample's flags.
type SampleOptions struct {
	Out    io.Writer
	Dir    string // --out
	Sample sample.Options
}

// NewCmdSample is `prebake sample`; runF, when not nil, runs instead of sampleRun.
func NewCmdSample(_ *Factory, runF func(*SampleOptions) error) *cobra.Command {
	opts := &SampleOptions{}
	cmd := &cobra.Command{
		Use:   "sample --out DIR [--seed N] [--components N]",
		Short: "Write the bundled synthetic register (what 'make run' bakes)",
		Long: `sample writes prebake's synthetic Capacity Market register into --out, so that
a fresh clone can bake a production-sized register without the real data:

  synthetic_components_<k>.json     component rows in the web app's cache shape,
                                    { "<CMU ID>": [row, ...] }, split by key like
                                    the real cache; some rows repeat under a second
                                    key and ` + fmt.Sprint(sample.DeliberateRejects) + ` are malformed on purpose
  synthetic_cmu_register_rows.json  CMU-level rows for some CMUs (fake contacts)
  synthetic_postcodes.csv           postcode,lat,lng,synthetic for every postcode used
  README.txt                        says all of the above is synthetic

By default it writes 64,000 distinct components, 28,270 of them DSR (the
production register's size); --components scales the DSR share with it. Companies,
addresses, CMU IDs and contacts are invented (companies end in "(synthetic)");
towns, outcodes, positions and technology mixes are real. Every row carries
"Synthetic": true, and a bake of it is marked synthetic in manifest.json.

The same --seed and --components give byte-identical files on any machine.
Earlier synthetic_components_*.json files in --out are removed first.`,
		Example: `  prebake sample --out .cache/sample
  prebake build --source '.cache/sample/synthetic_*.json' --postcodes .cache/sample/synthetic_postcodes.csv

  # a small sample for a quick look
  prebake sample --out /tmp/small --components 2000 --seed 7`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Dir == "" {
				return usagef("no --out given: name the directory to write the sample into")
			}
			if opts.Sample.Components <= 0 {
				return usagef("--components must be positive, got %d", opts.Sample.Components)
			}
			opts.Out = cmd.OutOrStdout()
			if runF != nil {
				return runF(opts)
			}
			return sampleRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Dir, "out", "o", "", "directory to write the sample into (created if needed)")
	f.Int64Var(&opts.Sample.Seed, "seed", sample.DefaultSeed, "random seed; the same seed writes the same bytes")
	f.IntVar(&opts.Sample.Components, "components", sample.DefaultComponents, "distinct components to generate (DSR share scales with it)")
	return cmd
}

func sampleRun(opts *SampleOptions) error {
	files, err := sample.Write(opts.Dir, opts.Sample)
	if err != nil {
		return err
	}
	n := opts.Sample.Components
	if n == 0 {
		n = sample.DefaultComponents
	}
	seed := opts.Sample.Seed
	if seed == 0 {
		seed = sample.DefaultSeed
	}
	w := opts.Out
	var total, compBytes int64
	compFiles := 0
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		total += st.Size()
		if strings.HasPrefix(filepath.Base(f), sample.ComponentsPrefix) {
			compFiles++
			compBytes += st.Size()
			continue
		}
		fmt.Fprintf(w, "  %-56s %10d bytes\n", f, st.Size())
	}
	fmt.Fprintf(w, "  %-56s %10d bytes in %d files\n", filepath.Join(opts.Dir, sample.ComponentsPrefix+"*.json"), compBytes, compFiles)
	fmt.Fprintf(w, "wrote %d files (%.1f MB) to %s: %d distinct components (%d DSR), seed %d; synthetic data\n",
		len(files), float64(total)/1e6, opts.Dir, n, sample.DSRCount(n), seed)
	return nil
}
