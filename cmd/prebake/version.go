package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// VersionOptions are version's inputs.
type VersionOptions struct {
	Out     io.Writer
	Version string
}

// NewCmdVersion is `prebake version`; runF, when not nil, runs instead of versionRun.
func NewCmdVersion(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Version: f.Version}
	return &cobra.Command{
		Use:   "version",
		Short: "Print prebake's version",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = cmd.OutOrStdout()
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
}

func versionRun(opts *VersionOptions) error {
	_, err := fmt.Fprintln(opts.Out, "prebake", opts.Version)
	return err
}
