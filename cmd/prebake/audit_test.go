package main

import (
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/audit"
	"github.com/prebake/prebake/internal/testkit/redistest"
	"github.com/prebake/prebake/internal/testkit/shareddata"
)

// TestAuditCommand runs `prebake audit` on a small keyspace: the JSON report,
// the text report, the flag checks, a dry run and a real deletion. (The audit's
// figures are checked against an app-seeded Redis in package audit.)
func TestAuditCommand(t *testing.T) {
	srv := redistest.Start(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	mf := shareddata.SampleManifest()
	url := srv.URL(0)
	srv.CLI(t, 0, strings.Join([]string{
		`SET :1:cmu_dataframe_v1 "gASV..." EX 86400`,
		`SET :1:component_detail_5 "{}" EX 1800`,
		`SET :1:component_detail_6 "{}" EX 1800`,
		`SET :1:map_data_0cc175b9c0f1b6a831c399e269772661 "{}" EX 3600`,
		`SET :1:company_list_capacity_desc "[]" EX 3600`,
		`SET celery-task-meta-00000000-0000-0000-0000-000000000001 "{}"`,
		"",
	}, "\n"))
	before := srv.Keys(t, 0)

	var r audit.Report
	if err := json.Unmarshal([]byte(run(t, dir, nil, bin, "audit", "--redis", url, "--manifest", mf, "--json")), &r); err != nil {
		t.Fatal(err)
	}
	fams := map[string]audit.FamilyReport{}
	for _, f := range r.Families {
		fams[f.Family] = f
	}
	if r.Keys != 6 || fams["component_detail_<id>"].Keys != 2 || fams["celery-task-meta-<uuid>"].Kind != audit.KindOther ||
		r.Replaced.Families != 4 || r.Replaced.Keys != 5 || r.Deletion != nil {
		t.Errorf("report: %d keys, families %v, replaced %+v, deletion %v", r.Keys, fams, r.Replaced, r.Deletion)
	}

	text := run(t, dir, nil, bin, "audit", "--redis", url, "--manifest", mf, "--delete-replaced")
	for _, want := range []string{"db 0: 6 keys", "component_detail_<id>", "cmu/component_details", "[not django] celery-task-meta-<uuid>",
		"locations/company_list.json", "the bake replaces 4 families: 5 keys", "dry run: would UNLINK 5 keys of 4 families"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	if after := srv.Keys(t, 0); len(after) != len(before) {
		t.Errorf("a dry run removed keys: %d -> %d", len(before), len(after))
	}

	// (flags that need another, and numbers out of range: TestAuditCmd, in-process)
	for _, args := range [][]string{
		{"audit", "--redis", "localhost:6379"}, // not a URL
		{"audit", "--redis", url, "--manifest", filepath.Join(dir, "missing.json")},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cmd.Environ(), "REDIS_URL=")
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "prebake:") {
			t.Errorf("prebake %s: want an error, got %v:\n%s", strings.Join(args, " "), err, out)
		}
	}

	auditHostile(t, srv, bin, dir)

	run(t, dir, nil, bin, "audit", "--redis", url, "--manifest", mf, "--delete-replaced", "--yes", "--json")
	after := srv.Keys(t, 0)
	slices.Sort(after)
	// company_list_* is replaced by locations/company_list.json; only the
	// key that is not the app's stays.
	if want := []string{"celery-task-meta-00000000-0000-0000-0000-000000000001"}; !slices.Equal(after, want) {
		t.Errorf("after --delete-replaced --yes: %v, want %v", after, want)
	}
}

// auditHostile audits keys a newcomer's Redis may hold (a 100 KB key, control
// bytes, bytes that are not UTF-8) in database 2, and URLs that cannot work:
// every line of the text report stays short and printable, and a failure is
// one line on stderr, a non-zero exit, and never the URL's password.
func auditHostile(t *testing.T, srv *redistest.Server, bin, dir string) {
	huge := strings.Repeat("k", 100000)
	srv.CLI(t, 2, strings.Join([]string{
		"SET :1:" + huge + " v",
		`SET ":1:tab\there\nnl" v`,
		`SET ":1:bin\xff\x00key" v`,
		"SET \":1:evil\u202egpj.exe\" v",
		"SET \"rtl\u2067\u200b\u2028:1\" v",
		"",
	}, "\n"))
	text := run(t, dir, nil, bin, "audit", "--redis", srv.URL(2))
	// No character a terminal acts on instead of showing (bidi overrides and
	// isolates, zero-width, line separators) is printed raw.
	for _, r := range text {
		if !unicode.IsPrint(r) && r != '\n' && r != ' ' {
			t.Errorf("the text report prints %U raw", r)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if len(line) > 400 || strings.ContainsAny(line, "\t\x00\r") || !utf8.ValidString(line) {
			t.Errorf("text report line of %d bytes, not one short printable line: %.200q", len(line), line)
		}
	}
	for _, want := range []string{`[django] tab\x09here\x0anl`, `[django] bin\xff\x00key`, "[django] kkkk", "(100003 bytes)",
		`[django] evil\u{202e}gpj.exe`, `[not django] rtl\u{2067}\u{200b}\u{2028}:<n>`, `":1:evil\u202egpj.exe"`} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	js := run(t, dir, nil, bin, "audit", "--redis", srv.URL(2), "--json")
	var r audit.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	// --json is lossless: a key that is not UTF-8 also comes as key_base64
	// (its "key" has U+FFFD for the bad bytes); a UTF-8 key has no key_base64
	var raw struct {
		Families []struct {
			Largest []map[string]any `json:"largest"`
		} `json:"families"`
	}
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		t.Fatal(err)
	}
	var b64 []any
	var keys []string
	for _, f := range raw.Families {
		for _, k := range f.Largest {
			if v, ok := k["key_base64"]; ok {
				b64 = append(b64, v)
			}
		}
	}
	for _, f := range r.Families {
		for _, k := range f.Largest {
			keys = append(keys, k.Key)
		}
	}
	if want := []any{base64.StdEncoding.EncodeToString([]byte(":1:bin\xff\x00key"))}; !slices.Equal(b64, want) {
		t.Errorf("key_base64 fields %v, want %v (only the key that is not UTF-8)", b64, want)
	}
	if !slices.Contains(keys, ":1:bin\xff\x00key") || !slices.Contains(keys, ":1:tab\there\nnl") {
		t.Errorf("the report read back lacks the exact keys: %.300q", keys)
	}
	for _, f := range r.Families {
		if len(f.Family) > audit.MaxShape+len("…") {
			t.Errorf("family name of %d bytes: %.100q", len(f.Family), f.Family)
		}
	}

	for _, u := range []string{
		"redis://:topsecret@127.0.0.1:1/0",     // nothing listens
		"redis://user:topsecret@127.0.0.1:1/x", // not a database number
	} {
		cmd := exec.Command(bin, "audit", "--redis", u)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		msg := strings.TrimSuffix(stderr.String(), "\n")
		if err == nil || strings.Contains(msg, "topsecret") || strings.Count(msg, "\n") > 0 || !strings.HasPrefix(msg, "prebake: ") {
			t.Errorf("prebake audit --redis %s: exit %v, want one line naming the problem without the password:\n%s", u, err, msg)
		}
	}
}
