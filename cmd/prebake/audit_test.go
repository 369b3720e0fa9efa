package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/audit"
	"github.com/prebake/prebake/internal/redistest"
	"github.com/prebake/prebake/internal/shareddata"
)

// TestAuditCommand runs `prebake audit` on a small keyspace: the JSON report,
// the text report, the flag checks, a dry run and a real deletion. (The audit's
// figures are checked against an app-seeded Redis in package audit.)
func TestAuditCommand(t *testing.T) {
	srv := redistest.Start(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	mf := filepath.Join(shareddata.Root(), "manifest.json")
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
		r.Replaced.Families != 3 || r.Replaced.Keys != 4 || r.Deletion != nil {
		t.Errorf("report: %d keys, families %v, replaced %+v, deletion %v", r.Keys, fams, r.Replaced, r.Deletion)
	}

	text := run(t, dir, nil, bin, "audit", "--redis", url, "--manifest", mf, "--delete-replaced")
	for _, want := range []string{"db 0: 6 keys", "component_detail_<id>", "cmu/component_details", "[not django] celery-task-meta-<uuid>",
		"- (no output of prebake replaces it yet)", "the bake replaces 3 families: 4 keys", "dry run: would UNLINK 4 keys of 3 families"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	if after := srv.Keys(t, 0); len(after) != len(before) {
		t.Errorf("a dry run removed keys: %d -> %d", len(before), len(after))
	}

	for _, args := range [][]string{
		{"audit", "--redis", url, "--delete-replaced"},       // no manifest
		{"audit", "--redis", url, "--manifest", mf, "--yes"}, // --yes without --delete-replaced
		{"audit", "--redis", "localhost:6379"},               // not a URL
		{"audit", "--redis", url, "--manifest", filepath.Join(dir, "missing.json")},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cmd.Environ(), "REDIS_URL=")
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "prebake:") {
			t.Errorf("prebake %s: want an error, got %v:\n%s", strings.Join(args, " "), err, out)
		}
	}

	run(t, dir, nil, bin, "audit", "--redis", url, "--manifest", mf, "--delete-replaced", "--yes", "--json")
	after := srv.Keys(t, 0)
	slices.Sort(after)
	if want := []string{":1:company_list_capacity_desc", "celery-task-meta-00000000-0000-0000-0000-000000000001"}; !slices.Equal(after, want) {
		t.Errorf("after --delete-replaced --yes: %v, want %v", after, want)
	}
}
