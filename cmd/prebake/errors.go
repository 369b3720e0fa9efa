package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/bake"
)

// Exit codes: 0 success, 1 the work failed, 2 the command line is wrong (an
// unknown command or flag, a flag's value that does not parse or is out of
// range, a missing or extra argument), as getopt-based tools and Python's
// argparse do, so a CI script can tell a typo in its own invocation from a
// failed bake.
const (
	exitFailed = 1
	exitUsage  = 2
)

// usageError is a mistake in the command line (exit 2): a flag's value,
// paths that collide (bake.PathError is one too), a missing argument.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// usagef is fmt.Errorf for a usage error.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// ErrorJSON is what a command given --json prints on stderr when it fails,
// instead of the "prebake: ..." line: {"error": {...}}, one object on one
// line. Its fields are stable:
//
//	command    the command line's command, e.g. "prebake build"
//	kind       "usage" (exit 2: the command line is wrong) or "failed" (exit 1)
//	message    the error as the text output says it
//	exit_code  the process's exit code, 1 or 2
type ErrorJSON struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is ErrorJSON's "error" object.
type ErrorDetail struct {
	Command  string `json:"command"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	ExitCode int    `json:"exit_code"`
}

// usageArgs makes a command's positional-argument check a usageError.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// execute runs the command line args (without the program name) on a fresh
// root (newRootCmd) and returns the exit code, writing errors to stderr: one
// "prebake: ..." line (and, for a usage error, where to find the usage), or
// ErrorJSON when the command was given --json.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(&Factory{Version: version})
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	code, kind, err := classify(err)
	if err == nil {
		return code
	}
	if cmd == nil {
		cmd = root
	}
	if wantsJSON(cmd, args) {
		writeJSONLine(stderr, ErrorJSON{ErrorDetail{Command: cmd.CommandPath(), Kind: kind, Message: err.Error(), ExitCode: code}})
		return code
	}
	fmt.Fprintln(stderr, "prebake:", err)
	if code == exitUsage {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// classify is err's exit code and kind ("usage" or "failed"), and the error
// to print (nil when there is nothing to print: a command's own exit status
// alone).
func classify(err error) (code int, kind string, show error) {
	// A command's own exit status (diff --data: 1 for changes, 2 for trouble;
	// publish --max-changes: 3), with or without an error to print.
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, "failed", ee.err
	}
	var ue usageError
	var pe *bake.PathError
	// cobra finds "prebake bogus" unknown (legacyArgs, the root having no
	// Args check of its own) before any of ours runs
	if errors.As(err, &ue) || errors.As(err, &pe) || strings.HasPrefix(err.Error(), "unknown command ") {
		return exitUsage, "usage", err
	}
	return exitFailed, "failed", err
}

// exitCode is the exit code execute gives for err.
func exitCode(err error) int {
	code, _, _ := classify(err)
	return code
}

// wantsJSON is whether cmd was asked for --json: its parsed flag when the
// parse got that far, else a --json among the arguments before "--" (a
// command line that fails to parse stops at its first fault, perhaps
// before --json).
func wantsJSON(cmd *cobra.Command, args []string) bool {
	f := cmd.Flags().Lookup("json")
	if f == nil {
		return false
	}
	if f.Changed {
		return f.Value.String() == "true"
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" {
			return true
		}
		if v, ok := strings.CutPrefix(a, "--json="); ok {
			b, err := strconv.ParseBool(v)
			return err == nil && b
		}
	}
	return false
}

func writeJSONLine(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	w.Write(append(b, '\n'))
}
