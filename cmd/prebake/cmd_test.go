package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/prebake/prebake/internal/bake"
	"github.com/prebake/prebake/internal/sample"
	"github.com/prebake/prebake/internal/writer"
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

// usageCase is a command line (after the command's name) and what its usage
// error says ("" for anything).
type usageCase struct {
	args []string
	want string
}

// wantUsageErrors runs each case through the command newCmd makes: each must
// fail as a usage error (exit status 2) saying want, and never reach runF.
func wantUsageErrors[T any](t *testing.T, name string, newCmd func(runF func(*T) error) *cobra.Command, cases []usageCase) {
	t.Helper()
	for _, c := range cases {
		ran := false
		err, code, _ := parse(t, newCmd(func(*T) error { ran = true; return nil }), append([]string{name}, c.args...)...)
		if err == nil || code != 2 || !strings.Contains(err.Error(), c.want) || ran {
			t.Errorf("%s %q: %v (exit %d, ran %v), want a usage error saying %q", name, c.args, err, code, ran, c.want)
		}
	}
}

func TestVersionCmd(t *testing.T) {
	var got *VersionOptions
	if err, _, _ := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, capture(&got)), "version"); err != nil || got == nil || got.Info.Version != "9.9.9" || got.JSON {
		t.Fatalf("version: %v %+v", err, got)
	}
	if err, code, _ := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, capture(&got)), "version", "extra"); err == nil || code != 2 {
		t.Errorf("version extra: %v, exit %d, want 2", err, code)
	}
	if err, code, _ := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, capture(&got)), "version", "--nope"); err == nil || code != 2 {
		t.Errorf("version --nope: %v, exit %d, want 2", err, code)
	}
	if err, _, _ := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, capture(&got)), "version", "--json"); err != nil || !got.JSON {
		t.Errorf("version --json: %v %+v", err, got)
	}
	_, _, out := parse(t, NewCmdVersion(&Factory{Version: "9.9.9"}, nil), "version")
	if !strings.HasPrefix(out, "prebake 9.9.9 (commit ") {
		t.Errorf("version printed %q", out)
	}
}

func TestSampleCmd(t *testing.T) {
	var got *SampleOptions
	if err, _, _ := parse(t, NewCmdSample(&Factory{}, capture(&got)), "sample", "-o", "d", "--seed", "7", "--components", "2000"); err != nil ||
		got.Dir != "d" || got.Sample.Seed != 7 || got.Sample.Components != 2000 {
		t.Fatalf("sample: %v %+v", err, got)
	}
	got = nil
	if err, _, _ := parse(t, NewCmdSample(&Factory{}, capture(&got)), "sample", "--out", "d"); err != nil ||
		got.Sample.Seed != sample.DefaultSeed || got.Sample.Components != sample.DefaultComponents {
		t.Fatalf("sample defaults: %v %+v", err, got)
	}
	wantUsageErrors(t, "sample", func(runF func(*SampleOptions) error) *cobra.Command { return NewCmdSample(&Factory{}, runF) }, []usageCase{
		{nil, "no --out given"},
		{[]string{"--out", "d", "--components", "0"}, "--components must be positive, got 0"},
		{[]string{"--out", "d", "--components", "-3"}, "--components must be positive, got -3"},
		{[]string{"--out", "d", "--seed", "x"}, `invalid argument "x" for "--seed"`},
		{[]string{"--out", "d", "extra"}, `unknown command "extra"`},
	})
}

// TestOutManifestDefaults: every command that reads or writes a bake takes
// --out and --manifest (-o, -m) with the one default (writer.DefaultOutDir,
// writer.DefaultManifestPath), and the short forms.
func TestOutManifestDefaults(t *testing.T) {
	f := &Factory{}
	for _, c := range []struct {
		name     string
		cmd      func() (*cobra.Command, func() (out, manifest string))
		required []string
	}{
		{"verify", func() (*cobra.Command, func() (string, string)) {
			var o *VerifyOptions
			return NewCmdVerify(f, capture(&o)), func() (string, string) { return o.OutDir, o.ManifestPath }
		}, nil},
		{"prune", func() (*cobra.Command, func() (string, string)) {
			var o *PruneOptions
			return NewCmdPrune(f, capture(&o)), func() (string, string) { return o.Prune.OutDir, o.Prune.ManifestPath }
		}, nil},
		{"serve", func() (*cobra.Command, func() (string, string)) {
			var o *ServeOptions
			return NewCmdServe(f, capture(&o)), func() (string, string) { return o.Serve.OutDir, o.Serve.ManifestPath }
		}, nil},
		{"publish", func() (*cobra.Command, func() (string, string)) {
			var o *PublishOptions
			return NewCmdPublish(f, capture(&o)), func() (string, string) { return o.Publish.OutDir, o.Publish.ManifestPath }
		}, []string{"--to", "s3://b"}},
		{"build", func() (*cobra.Command, func() (string, string)) {
			var o *BuildOptions
			return NewCmdBuild(f, capture(&o)), func() (string, string) { return o.Config.OutDir, o.Config.ManifestPath }
		}, []string{"--source", "x.json"}},
	} {
		cmd, get := c.cmd()
		if err, _, _ := parse(t, cmd, append([]string{c.name}, c.required...)...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if out, m := get(); out != writer.DefaultOutDir || m != writer.DefaultManifestPath {
			t.Errorf("%s: defaults --out %q --manifest %q", c.name, out, m)
		}
		cmd, get = c.cmd()
		if err, _, _ := parse(t, cmd, append([]string{c.name, "-o", "o2", "-m", "m2.json"}, c.required...)...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if out, m := get(); out != "o2" || m != "m2.json" {
			t.Errorf("%s -o o2 -m m2.json: --out %q --manifest %q", c.name, out, m)
		}
	}
}

func TestVerifyCmd(t *testing.T) {
	var got *VerifyOptions
	if err, _, _ := parse(t, NewCmdVerify(&Factory{}, capture(&got)), "verify", "--json", "--out", "x", "--manifest", "y.json"); err != nil ||
		!got.JSON || got.OutDir != "x" || got.ManifestPath != "y.json" {
		t.Fatalf("verify: %v %+v", err, got)
	}
	wantUsageErrors(t, "verify", func(runF func(*VerifyOptions) error) *cobra.Command { return NewCmdVerify(&Factory{}, runF) }, []usageCase{
		{[]string{"extra"}, ""},
		{[]string{"--json=maybe"}, ""},
		{[]string{"--out"}, ""},
	})
}

func TestDiffCmd(t *testing.T) {
	var got *DiffOptions
	if err, _, _ := parse(t, NewCmdDiff(&Factory{}, capture(&got)), "diff", "a.json", "b.json", "--json"); err != nil ||
		got.Old != "a.json" || got.New != "b.json" || !got.JSON {
		t.Fatalf("diff: %v %+v", err, got)
	}
	wantUsageErrors(t, "diff", func(runF func(*DiffOptions) error) *cobra.Command { return NewCmdDiff(&Factory{}, runF) }, []usageCase{
		{nil, ""},
		{[]string{"a.json"}, ""},
		{[]string{"a", "b", "c"}, ""},
		{[]string{"a", "b", "--yaml"}, ""},
	})
}

func TestPruneCmd(t *testing.T) {
	var got *PruneOptions
	if err, _, _ := parse(t, NewCmdPrune(&Factory{}, capture(&got)), "prune", "--keep", "5", "--dry-run", "-v", "--json"); err != nil ||
		got.Prune.Keep != 5 || !got.Prune.DryRun || !got.Verbose || !got.JSON {
		t.Fatalf("prune: %v %+v", err, got)
	}
	if err, _, _ := parse(t, NewCmdPrune(&Factory{}, capture(&got)), "prune"); err != nil || got.Prune.Keep != 3 || got.Prune.DryRun || got.Verbose || got.JSON {
		t.Fatalf("prune defaults: %v %+v", err, got)
	}
	wantUsageErrors(t, "prune", func(runF func(*PruneOptions) error) *cobra.Command { return NewCmdPrune(&Factory{}, runF) }, []usageCase{
		{[]string{"x"}, ""},
		{[]string{"--keep", "three"}, `invalid argument "three" for "--keep"`},
		{[]string{"--keep"}, ""},
		{[]string{"--keep", "0"}, "--keep 0: keep at least 1 manifest"},
		{[]string{"--keep", "-1"}, ""},
	})
}

func TestServeCmd(t *testing.T) {
	var got *ServeOptions
	if err, _, _ := parse(t, NewCmdServe(&Factory{}, capture(&got)), "serve", "--addr", "127.0.0.1:0", "--report", "r.jsonl"); err != nil ||
		got.Addr != "127.0.0.1:0" || got.Serve.ReportPath != "r.jsonl" || got.Ctx == nil {
		t.Fatalf("serve: %v %+v", err, got)
	}
	// The report's default follows --manifest, resolved when serve runs.
	if err, _, _ := parse(t, NewCmdServe(&Factory{}, capture(&got)), "serve"); err != nil || got.Addr != "127.0.0.1:8080" || got.Serve.ReportPath != "" {
		t.Fatalf("serve defaults: %v %+v", err, got)
	}
	wantUsageErrors(t, "serve", func(runF func(*ServeOptions) error) *cobra.Command { return NewCmdServe(&Factory{}, runF) }, []usageCase{
		{[]string{"x"}, ""},
		{[]string{"--addr"}, ""},
		{[]string{"--port", "1"}, ""},
	})
}

// TestAuditCmd: an out-of-range number is refused, naming the flag and its
// range, and so are flags that need another, as usage errors before anything
// is read or unlinked (runF is never reached; never quietly replaced by the
// default).
func TestAuditCmd(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	const url = "redis://127.0.0.1:6379/0"
	var got *AuditOptions
	if err, _, _ := parse(t, NewCmdAudit(&Factory{}, capture(&got)), "audit", "--redis", url, "-m", "m.json", "--key-prefix", "p",
		"--cache-version", "2", "--count", "50", "--top", "3", "--families", "0", "--delete-replaced", "--execute", "--batch", "9", "--json"); err != nil {
		t.Fatal(err)
	}
	if got.RedisURL != url || got.ManifestPath != "m.json" || got.Audit.KeyPrefix != "p" || got.Audit.Version != 2 || got.Audit.ScanCount != 50 ||
		got.Audit.Top != 3 || got.Families != 0 || !got.DeleteReplaced || !got.Delete.Execute || got.Delete.Batch != 9 || !got.JSON {
		t.Errorf("audit: %+v", got)
	}
	if err, _, _ := parse(t, NewCmdAudit(&Factory{}, capture(&got)), "audit", "--redis", url); err != nil || got.ManifestPath != "" ||
		got.Audit.Version != 1 || got.Audit.ScanCount != 200 || got.Audit.Top != 5 || got.Families != 30 || got.Delete.Batch != 500 || got.Delete.Execute {
		t.Errorf("audit defaults: %v %+v", err, got)
	}
	t.Setenv("REDIS_URL", "redis://env:6379/1")
	if err, _, _ := parse(t, NewCmdAudit(&Factory{}, capture(&got)), "audit"); err != nil || got.RedisURL != "redis://env:6379/1" {
		t.Errorf("audit with REDIS_URL: %v %+v", err, got)
	}
	t.Setenv("REDIS_URL", "")
	wantUsageErrors(t, "audit", func(runF func(*AuditOptions) error) *cobra.Command { return NewCmdAudit(&Factory{}, runF) }, []usageCase{
		{nil, "no --redis given (and REDIS_URL is not set)"},
		{[]string{"--redis", url, "--delete-replaced"}, "--delete-replaced needs --manifest"},
		{[]string{"--redis", url, "--manifest", "m.json", "--yes"}, "--yes only confirms --delete-replaced"},
		{[]string{"--redis", url, "--count", "0"}, "--count 0: must be at least 1"},
		{[]string{"--redis", url, "--count", "-5"}, "--count -5: must be at least 1"},
		{[]string{"--redis", url, "--top", "0"}, "--top 0: must be at least 1"},
		{[]string{"--redis", url, "--top", "-1"}, "--top -1: must be at least 1"},
		{[]string{"--redis", url, "--families", "-1"}, "--families -1: must be at least 0"},
		{[]string{"--redis", url, "--cache-version", "0"}, "--cache-version 0: must be at least 1"},
		{[]string{"--redis", url, "--manifest", "m.json", "--delete-replaced", "--yes", "--batch", "-1"}, "--batch -1: must be at least 1"},
		{[]string{"--redis", url, "--manifest", "m.json", "--delete-replaced", "--yes", "--batch", "0"}, "--batch 0: must be at least 1"},
		{[]string{"--redis", url, "--count", "many"}, `invalid argument "many" for "--count"`},
		{[]string{"--redis", url, "extra"}, `unknown command "extra"`},
	})
}

func TestPublishCmd(t *testing.T) {
	var got *PublishOptions
	if err, _, _ := parse(t, NewCmdPublish(&Factory{}, capture(&got)), "publish", "--to", "s3://bkt/a/b/", "--endpoint", "http://e", "--region", "r",
		"--profile", "p", "--path-style=false", "--retries", "2", "--timeout", "3s", "-j", "4", "--dry-run", "--checksum", "--manifest-max-age", "7",
		"--prune", "--keep", "2", "--prune-min-age", "5m", "--json"); err != nil {
		t.Fatal(err)
	}
	p, c := got.Publish, got.Client
	if p.To.Bucket != "bkt" || p.To.Prefix != "a/b/" || c.Endpoint != "http://e" || c.Region != "r" || c.Profile != "p" ||
		c.PathStyle == nil || *c.PathStyle || c.Retries != 2 || c.Timeout != 3*time.Second || p.Jobs != 4 || !p.DryRun || !p.Checksum ||
		p.ManifestMaxAge != 7 || !p.Prune || p.Keep != 2 || p.PruneMinAge != 5*time.Minute || !got.JSON || !p.List {
		t.Errorf("publish: %+v %+v", p, c)
	}
	// --path-style not given: the client decides (on with an endpoint).
	if err, _, _ := parse(t, NewCmdPublish(&Factory{}, capture(&got)), "publish", "--to", "s3://bkt"); err != nil || got.Client.PathStyle != nil ||
		got.Publish.List || got.Publish.Jobs != 16 || got.Publish.Keep != 3 || got.Publish.PruneMinAge != time.Hour || got.Client.Retries != 5 {
		t.Errorf("publish defaults: %v %+v", err, got)
	}
	if err, _, _ := parse(t, NewCmdPublish(&Factory{}, capture(&got)), "publish", "--to", "s3://bkt", "-v"); err != nil || !got.Publish.List {
		t.Errorf("publish -v: %v, list %v", err, got.Publish.List)
	}
	wantUsageErrors(t, "publish", func(runF func(*PublishOptions) error) *cobra.Command { return NewCmdPublish(&Factory{}, runF) }, []usageCase{
		{nil, "no --to given"},
		{[]string{"--to", "bkt/prefix"}, `target "bkt/prefix": want s3://bucket/prefix`},
		{[]string{"--to", "s3:///prefix"}, "no bucket name"},
		{[]string{"--to", "s3://b/a/../c"}, `prefix segment ".."`},
		{[]string{"--to", "s3://b", "--timeout", "soon"}, `invalid argument "soon" for "--timeout"`},
		{[]string{"--to", "s3://b", "extra"}, `unknown command "extra"`},
	})
}

func TestBuildCmd(t *testing.T) {
	var got *BuildOptions
	if err, _, _ := parse(t, NewCmdBuild(&Factory{Version: "1.2.3"}, capture(&got)), "build", "-s", "a.json", "--source", "b*.json", "--format", "csv",
		"-p", "pc.csv", "--boundaries", "dno.geojson", "--report", "r.jsonl", "--base-url", "https://cdn", "--django-staticfiles", "sf.json",
		"--strict", "--allow-shrink", "--max-shrink", "0", "--force", "--include-contacts", "--min-zoom", "2", "--max-zoom", "14", "--radius", "40",
		"--extent", "256", "--min-points", "3", "--json", "-q", "--memory-limit", "0", "--cpuprofile", "c.prof", "--memprofile", "m.prof"); err != nil {
		t.Fatal(err)
	}
	c := got.Config
	if strings.Join(c.Sources, "|") != "a.json|b*.json" || c.Format != "csv" || strings.Join(c.Postcodes, "|") != "pc.csv" || c.Boundaries != "dno.geojson" ||
		c.ReportPath != "r.jsonl" || c.BaseURL != "https://cdn" || c.DjangoStaticfiles != "sf.json" || !c.Strict || !c.AllowShrink ||
		c.MaxShrink != 0 || !c.Force || !c.IncludeContacts || c.Maptiles.MinZoom != 2 || c.Maptiles.MaxZoom != 14 || c.Maptiles.Radius != 40 ||
		c.Maptiles.Extent != 256 || c.Maptiles.MinPoints != 3 || !got.JSON || !got.Quiet || got.MemoryLimitMiB != 0 || !got.MemoryLimitGiven ||
		got.CPUProfile != "c.prof" || got.MemProfile != "m.prof" || got.Version != "1.2.3" {
		t.Errorf("build: %+v", got)
	}
	if err, _, _ := parse(t, NewCmdBuild(&Factory{}, capture(&got)), "build", "--source", "a.json"); err != nil {
		t.Fatal(err)
	}
	c = got.Config
	if c.MaxShrink != bake.DefaultMaxShrink || c.ReportPath != "" || c.Maptiles.MaxZoom != 16 || c.Maptiles.Radius != 60 || c.Maptiles.Extent != 512 ||
		c.Maptiles.MinPoints != 2 || got.MemoryLimitMiB != 0 || got.MemoryLimitGiven || got.JSON || got.Quiet {
		t.Errorf("build defaults: %+v", got)
	}
	// Map options out of range are rejected before any work, never replaced by
	// defaults (issue 15): 24 used to pass here and fail in the vector tiles.
	wantUsageErrors(t, "build", func(runF func(*BuildOptions) error) *cobra.Command { return NewCmdBuild(&Factory{}, runF) }, []usageCase{
		{nil, "no --source"},
		{[]string{"--source", "x.json", "--max-zoom", "24"}, "max zoom 24: want 0 to 23"},
		{[]string{"--source", "x.json", "--max-zoom", "-1"}, "max zoom -1"},
		{[]string{"--source", "x.json", "--radius", "0"}, "radius 0: want a positive"},
		{[]string{"--source", "x.json", "--radius", "NaN"}, "radius NaN"},
		{[]string{"--source", "x.json", "--min-points", "0"}, "min points 0: want 2 or more"},
		{[]string{"--source", "x.json", "--extent", "0"}, "extent 0"},
		{[]string{"--source", "x.json", "--min-zoom", "9", "--max-zoom", "8"}, "zooms 9..8"},
		{[]string{"--source", "x.json", "--max-shrink", "2"}, "--max-shrink 2: want a share between 0 and 1"},
		{[]string{"--source", "x.json", "--max-shrink", "-0.1"}, "--max-shrink -0.1"},
		{[]string{"--radius", "wide"}, `invalid argument "wide" for "--radius"`},
		{[]string{"extra"}, `unknown command "extra"`},
	})
}

// TestRootCmd: the root holds every command, once.
func TestRootCmd(t *testing.T) {
	var names []string
	for _, c := range newRootCmd(&Factory{}).Commands() {
		names = append(names, c.Name())
	}
	if got := strings.Join(names, " "); got != "audit build diff prune publish sample serve verify version" {
		t.Errorf("commands: %s", got)
	}
}
