package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runInProcess runs the command line in this process, as main does (on a
// fresh root, every flag at its default).
func runInProcess(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestUsageErrorsExit2: every command exits 2 on a mistake in its command line
// (an unknown command or flag, a value that does not parse or is out of range,
// a missing or extra argument), saying what is wrong and where the usage is,
// and 1 when the work itself fails; nothing on stdout either way.
func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	cases := []struct {
		args []string
		code int
		say  string // in the message
	}{
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"build", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"build"}, 2, "no --source"},
		{[]string{"build", "extra"}, 2, `unknown command "extra"`},
		{[]string{"build", "--source", missing, "--max-zoom", "x"}, 2, `invalid argument "x" for "--max-zoom"`},
		{[]string{"build", "--source", missing, "--max-zoom", "24"}, 2, "max zoom 24"},
		{[]string{"build", "--source", missing, "--max-shrink", "2"}, 2, "--max-shrink 2"},
		{[]string{"build", "--source"}, 2, "flag needs an argument"},
		{[]string{"build", "--source", missing, "--out", filepath.Join(dir, "out"), "--manifest", filepath.Join(dir, "m.json")}, 1, "missing.json"},
		{[]string{"sample", "--out", dir, "--components", "0"}, 2, "--components must be positive"},
		{[]string{"sample", "--seed", "one"}, 2, `invalid argument "one" for "--seed"`},
		{[]string{"sample", "--out", ""}, 2, "no --out"},
		{[]string{"verify", "extra"}, 2, `unknown command "extra"`},
		{[]string{"verify", "--bogus"}, 2, "unknown flag"},
		{[]string{"verify", "--out", dir, "--manifest", missing}, 1, "missing.json"},
		{[]string{"diff", "a.json"}, 2, "accepts 2 arg(s), received 1"},
		{[]string{"diff", "a", "b", "c"}, 2, "accepts 2 arg(s), received 3"},
		{[]string{"diff", "--json=maybe", "a", "b"}, 2, `invalid argument "maybe" for "--json"`},
		{[]string{"diff", missing, missing}, 1, "missing.json"},
		{[]string{"prune", "--keep", "0"}, 2, "--keep 0"},
		{[]string{"prune", "--keep", "many"}, 2, `invalid argument "many" for "--keep"`},
		{[]string{"audit", "--count", "0", "--redis", "redis://127.0.0.1:1/0"}, 2, "--count 0"},
		{[]string{"audit", "--top", "x"}, 2, `invalid argument "x" for "--top"`},
		{[]string{"audit", "--redis", "redis://127.0.0.1:1/0", "--delete-replaced"}, 2, "--delete-replaced needs --manifest"},
		{[]string{"audit", "--redis", "redis://127.0.0.1:1/0", "--yes"}, 2, "--yes only confirms"},
		{[]string{"serve", "--bogus"}, 2, "unknown flag"},
		{[]string{"serve", "extra"}, 2, `unknown command "extra"`},
		{[]string{"serve", "--out", dir, "--manifest", missing}, 1, "missing.json"},
		{[]string{"publish"}, 2, "no --to"},
		{[]string{"publish", "--to", "bucket/prefix"}, 2, "want s3://bucket/prefix"},
		{[]string{"publish", "--to", "s3://b/p", "--jobs", "0"}, 2, "--jobs 0"},
		{[]string{"publish", "--to", "s3://b/p", "--prune", "--keep", "0"}, 2, "--keep 0"},
		{[]string{"publish", "--to", "s3://b/p", "--timeout", "soon"}, 2, `invalid argument "soon" for "--timeout"`},
		{[]string{"version", "extra"}, 2, `unknown command "extra"`},
	}
	if os.Getenv("REDIS_URL") == "" {
		cases = append(cases, struct {
			args []string
			code int
			say  string
		}{[]string{"audit"}, 2, "no --redis"})
	}
	for _, c := range cases {
		code, stdout, stderr := runInProcess(t, c.args...)
		name := strings.Join(c.args, " ")
		if code != c.code {
			t.Errorf("prebake %s: exit %d, want %d (stderr %q)", name, code, c.code, stderr)
		}
		if !strings.HasPrefix(stderr, "prebake: ") || !strings.Contains(stderr, c.say) {
			t.Errorf("prebake %s: stderr %q, want a line saying %q", name, stderr, c.say)
		}
		if hint := "--help' for usage."; strings.Contains(stderr, hint) != (c.code == 2) {
			t.Errorf("prebake %s: stderr %q: the usage hint belongs to usage errors only", name, stderr)
		}
		if stdout != "" {
			t.Errorf("prebake %s: stdout %q, want nothing", name, stdout)
		}
	}
}

// TestJSONErrors: a command given --json that fails prints one JSON object
// on stderr, {"error": {"command", "kind", "message", "exit_code"}}, and
// nothing else there or on stdout, for usage errors (even when --json follows
// the fault, so the parse never reached it) and for failed work alike; and
// every command that takes --json is in this test.
func TestJSONErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	cases := []struct {
		cmd  string
		args []string
		kind string
		code int
		say  string
	}{
		{"build", []string{"build", "--json"}, "usage", 2, "no --source"},
		{"build", []string{"build", "--bogus", "--json"}, "usage", 2, "unknown flag: --bogus"},
		{"build", []string{"build", "--json", "--source", missing, "--out", filepath.Join(dir, "out"), "--manifest", filepath.Join(dir, "m.json")}, "failed", 1, "missing.json"},
		{"verify", []string{"verify", "--json", "--out", dir, "--manifest", missing}, "failed", 1, "missing.json"},
		{"verify", []string{"verify", "--json", "extra"}, "usage", 2, `unknown command "extra"`},
		{"diff", []string{"diff", "--json", "a.json"}, "usage", 2, "accepts 2 arg(s)"},
		{"diff", []string{"diff", "--json", missing, missing}, "failed", 1, "missing.json"},
		{"prune", []string{"prune", "--json", "--keep", "0"}, "usage", 2, "--keep 0"},
		{"prune", []string{"prune", "--json", "--out", filepath.Join(dir, "none"), "--manifest", missing}, "failed", 1, ""},
		{"audit", []string{"audit", "--json", "--redis", "redis://127.0.0.1:1/0", "--yes"}, "usage", 2, "--yes only confirms"},
		{"audit", []string{"audit", "--json", "--redis", "redis://:secret@127.0.0.1:1/0"}, "failed", 1, "127.0.0.1:1"},
		{"version", []string{"version", "--json", "extra"}, "usage", 2, `unknown command "extra"`},
		{"publish", []string{"publish", "--json"}, "usage", 2, "no --to"},
		{"publish", []string{"publish", "--json", "--to", "s3://b/p", "--out", dir, "--manifest", missing, "--endpoint", "http://127.0.0.1:1"}, "failed", 1, "missing.json"},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		code, stdout, stderr := runInProcess(t, c.args...)
		name := strings.Join(c.args, " ")
		if code != c.code {
			t.Errorf("prebake %s: exit %d, want %d (stderr %q)", name, code, c.code, stderr)
		}
		if stdout != "" {
			t.Errorf("prebake %s: stdout %q, want nothing", name, stdout)
		}
		var e struct {
			Error *struct {
				Command  *string `json:"command"`
				Kind     *string `json:"kind"`
				Message  *string `json:"message"`
				ExitCode *int    `json:"exit_code"`
			} `json:"error"`
		}
		dec := json.NewDecoder(strings.NewReader(stderr))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || dec.More() || !strings.HasSuffix(stderr, "}\n") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("prebake %s: stderr %q is not one JSON object on one line (%v)", name, stderr, err)
			continue
		}
		if e.Error == nil || e.Error.Command == nil || e.Error.Kind == nil || e.Error.Message == nil || e.Error.ExitCode == nil {
			t.Errorf("prebake %s: stderr %s lacks a field of error{command, kind, message, exit_code}", name, stderr)
			continue
		}
		if *e.Error.Command != "prebake "+c.cmd || *e.Error.Kind != c.kind || *e.Error.ExitCode != c.code || !strings.Contains(*e.Error.Message, c.say) || *e.Error.Message == "" {
			t.Errorf("prebake %s: %s, want command %q, kind %q, exit_code %d, a message saying %q", name, stderr, "prebake "+c.cmd, c.kind, c.code, c.say)
		}
		if strings.Contains(stderr, "secret") {
			t.Errorf("prebake %s: the error shows the password: %s", name, stderr)
		}
		covered[c.cmd] = true
	}
	for _, sub := range newRootCmd(&Factory{}).Commands() {
		if sub.Flags().Lookup("json") != nil && !covered[sub.Name()] {
			t.Errorf("prebake %s takes --json but no case here checks its errors", sub.Name())
		}
	}
	// Without --json the same failure is the "prebake: ..." line.
	if code, _, stderr := runInProcess(t, "diff", missing, missing); code != 1 || !strings.HasPrefix(stderr, "prebake: ") {
		t.Errorf("prebake diff without --json: exit %d, stderr %q", code, stderr)
	}
}
