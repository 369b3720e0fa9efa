package apprules

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppRulesParse(t *testing.T) {
	r, err := parseRules(AppRulesJSON)
	if err != nil {
		t.Fatal(err)
	}
	if r.TechPriority["EV Charging"] != 1 || r.TechPriority["DSR"] != 13 || r.TechPriorityDefault != 999 {
		t.Errorf("tech_priority %v, default %d", r.TechPriority, r.TechPriorityDefault)
	}
	if got := r.ResidentialCompanyNames(); strings.Join(got, "|") != "AXLE ENERGY LIMITED|OCTOPUS ENERGY LIMITED" {
		t.Errorf("residential companies %q", got)
	}
	if got := Fill(r.URLTemplates.Location, LocationPlaceholder, "x%2Fy"); got != "/location/by-name/x%2Fy/" {
		t.Errorf("location URL %q", got)
	}
	for f, classes := range r.TechFilterClasses {
		if len(classes) == 0 {
			t.Errorf("tech filter %q matches nothing", f)
		}
	}
}

// TestAppRulesRefused: the parser refuses what its readers would misread,
// each case naming the key.
func TestAppRulesRefused(t *testing.T) {
	var good map[string]any
	if err := json.Unmarshal(AppRulesJSON, &good); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		edit func(m map[string]any)
		want string
	}{
		{func(m map[string]any) { m["ttl"] = 3 }, `unknown field "ttl"`},
		{func(m map[string]any) { delete(m["about"].(map[string]any), "quote_safe") }, "quote_safe: no about"},
		{func(m map[string]any) { delete(m, "unknown_location") }, "about names unknown_location"},
		{func(m map[string]any) { m["url_templates"].(map[string]any)["location"] = "/location/by-name/" }, "url_templates.location"},
		{func(m map[string]any) {
			m["url_templates"].(map[string]any)["company"] = "/c/{company_id}/{company_id}"
		}, "url_templates.company"},
		{func(m map[string]any) { m["quote_safe"] = "_.-~a" }, `quote_safe "_.-~a"`},
		{func(m map[string]any) { m["quote_safe"] = "_ " }, `quote_safe "_ "`},
		{func(m map[string]any) { m["description_max"] = 0 }, "description_max 0"},
		{func(m map[string]any) { m["tech_priority"] = []int{1} }, "app_rules.json"},
	} {
		var m map[string]any
		_ = json.Unmarshal(AppRulesJSON, &m)
		c.edit(m)
		b, _ := json.Marshal(m)
		if _, err := parseRules(b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error containing %q", err, c.want)
		}
	}
}

// TestJSModule: js/src/rules.mjs is generated from app_rules.json (-update
// rewrites it); js/test/rules.test.mjs checks the client's code against it.
func TestJSModule(t *testing.T) {
	want, err := jsModule(AppRulesJSON)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "js", "src", "rules.mjs")
	got, err := os.ReadFile(path)
	if err == nil && bytes.Equal(got, want) {
		return
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("js/src/rules.mjs differs from app_rules.json (%v); run go test ./internal/apprules/ -update", err)
}
