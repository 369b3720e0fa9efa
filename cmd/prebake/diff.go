package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/manifest"
)

// DiffOptions are diff's arguments and flags.
type DiffOptions struct {
	Out      io.Writer
	Old, New string // the two manifests
	JSON     bool   // --json
}

// NewCmdDiff is `prebake diff`; runF, when not nil, runs instead of diffRun.
func NewCmdDiff(_ *Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW [--json]",
		Short: "List assets, tile sets and shard sets added, removed and changed between two manifests",
		Long: `diff compares two manifests and lists, for a CI log, every asset, tile set and
shard set that was added, removed or changed (its content hash differs), with
sizes and the size delta. It exits zero whether or not anything changed.`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			opts.Out = cmd.OutOrStdout()
			if runF != nil {
				return runF(opts)
			}
			return diffRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the changes as JSON")
	return cmd
}

func diffRun(opts *DiffOptions) error {
	old, err := manifest.Load(opts.Old)
	if err != nil {
		return err
	}
	nw, err := manifest.Load(opts.New)
	if err != nil {
		return err
	}
	changes := manifest.Diff(old, nw)
	if opts.JSON {
		if changes == nil {
			changes = []manifest.Change{}
		}
		return writeJSON(opts.Out, struct {
			Old     string            `json:"old_build_id"`
			New     string            `json:"new_build_id"`
			Changes []manifest.Change `json:"changes"`
		}{old.BuildID, nw.BuildID, changes})
	}
	printDiff(opts.Out, old, nw, changes)
	return nil
}

func printDiff(w io.Writer, old, nw *manifest.Manifest, changes []manifest.Change) {
	fmt.Fprintf(w, "build %s -> %s: %d changes\n", old.BuildID, nw.BuildID, len(changes))
	var delta int64
	for _, c := range changes {
		mark := map[string]string{"added": "+", "removed": "-", "changed": "~"}[c.Change]
		var sizes string
		switch c.Change {
		case "added":
			sizes = humanBytes(c.NewSize)
		case "removed":
			sizes = humanBytes(c.OldSize)
		default:
			sizes = humanBytes(c.OldSize) + " -> " + humanBytes(c.NewSize)
		}
		files := ""
		if c.OldFiles != 0 || c.NewFiles != 0 {
			files = fmt.Sprintf(", %d -> %d files", c.OldFiles, c.NewFiles)
		}
		fmt.Fprintf(w, "%s %-8s %-40s %s (%+d bytes%s)\n", mark, c.Kind, c.Name, sizes, c.Delta, files)
		delta += c.Delta
	}
	fmt.Fprintf(w, "total size change: %+d bytes\n", delta)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
