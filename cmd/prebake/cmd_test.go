package main

import (
	"bytes"
	"testing"

	"github.com/spf13/cobra"
)

// parse runs args through a root holding only cmd (made by a NewCmdX with a
// runF that captures the options), as main does but in-process: it returns
// the error and the exit status main would give, and stdout.
func parse(t *testing.T, cmd *cobra.Command, args ...string) (err error, code int, stdout string) {
	t.Helper()
	root := newRoot()
	root.AddCommand(cmd)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.Execute()
	if err != nil {
		code = exitCode(err)
	}
	return err, code, out.String()
}

// capture is a runF that keeps the options it is given.
func capture[T any](dst **T) func(*T) error {
	return func(o *T) error { *dst = o; return nil }
}

func TestVersionCmd(t *testing.T) {
	var got *VersionOptions
	if err, _, _ := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, capture(&got)), "version"); err != nil || got == nil || got.Version != "9.9.9" {
		t.Fatalf("version: %v %+v", err, got)
	}
	if err, code, _ := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, capture(&got)), "version", "extra"); err == nil || code != 2 {
		t.Errorf("version extra: %v, exit %d, want 2", err, code)
	}
	if err, code, _ := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, capture(&got)), "version", "--nope"); err == nil || code != 2 {
		t.Errorf("version --nope: %v, exit %d, want 2", err, code)
	}
	_, _, out := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, nil), "version")
	if out != "prebake 9.9.9\n" {
		t.Errorf("version printed %q", out)
	}
}
