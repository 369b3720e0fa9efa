package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/changes"
	"github.com/prebake/prebake/manifest"
)

// DiffOptions are diff's arguments and flags.
type DiffOptions struct {
	Out      io.Writer
	Old, New string // the two manifests (with --data: or output directories)
	JSON     bool   // --json
	Data     bool   // --data: compare the components and CMUs
	OldOut   string // --old-out
	NewOut   string // --new-out
}

// NewCmdDiff is `prebake diff`; runF, when not nil, runs instead of diffRun.
func NewCmdDiff(_ *Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW [--json] [--data]",
		Short: "List assets, tile sets and shard sets added, removed and changed between two manifests; with --data, the components and CMUs",
		Long: `diff compares two manifests and lists, for a CI log, every asset, tile set and
shard set that was added, removed or changed (its content hash differs), with
sizes and the size delta. It exits zero whether or not anything changed.

With --data it compares the data instead (OLD and NEW are manifests or output
directories; see docs/changes.md): components and CMUs added, removed and
changed field by field, components moved (positions, geodesic distance in
metres, why), each with its register id, rolled up by category, company,
delivery year and region. Like diff(1) it exits 0 when nothing changed, 1 when
something did, and 2 on trouble (an unreadable bake).`,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if err := cobra.ExactArgs(2)(cmd, args); err != nil {
				if opts.Data {
					return &exitError{2, err}
				}
				return err
			}
			return nil
		}),
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
	cmd.Flags().StringVar(&opts.OldOut, "old-out", "", "with --data: OLD's output directory, when OLD is a manifest not beside it")
	cmd.Flags().StringVar(&opts.NewOut, "new-out", "", "with --data: NEW's output directory, when NEW is a manifest not beside it")
	cmd.Flags().BoolVar(&opts.Data, "data", false, "compare the bakes' components and CMUs (exit 0 no change, 1 changes, 2 trouble)")
	return cmd
}

func diffRun(opts *DiffOptions) error {
	if opts.Data {
		return diffData(opts.Out, opts.Old, opts.OldOut, opts.New, opts.NewOut, opts.JSON)
	}
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

// diffData prints the changelog from the bake at oldPath to the one at
// newPath; the error carries the exit status (1 changes, 2 trouble).
func diffData(w io.Writer, oldPath, oldOut, newPath, newOut string, asJSON bool) error {
	load := func(p, out string) (*changes.Snapshot, error) {
		m, dir, err := changes.Resolve(p, out)
		if err != nil {
			return nil, err
		}
		return changes.Load(m, dir)
	}
	old, err := load(oldPath, oldOut)
	if err != nil {
		return &exitError{2, fmt.Errorf("OLD %s: %w", oldPath, err)}
	}
	nw, err := load(newPath, newOut)
	if err != nil {
		return &exitError{2, fmt.Errorf("NEW %s: %w", newPath, err)}
	}
	c := changes.Compare(old, nw)
	if asJSON {
		data, err := c.Marshal()
		if err != nil {
			return &exitError{2, err}
		}
		_, err = w.Write(data)
		if err != nil {
			return &exitError{2, err}
		}
	} else if err := c.WriteText(w); err != nil {
		return &exitError{2, err}
	}
	if c.Empty() {
		return nil
	}
	return &exitError{1, nil}
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
