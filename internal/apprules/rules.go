package apprules

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// AppRulesJSON is app_rules.json as embedded at build time: the app's rules
// for showing and filtering components that Go, Python and JS all apply (its
// "about" states each key's meaning and source). The Python package ships the
// same file (python/src/prebake/data/app_rules.json is a symlink to it); the
// JS client imports js/src/rules.mjs, generated from it
// (go test ./internal/apprules/ -update); tests in each language fail when
// their copy or their code differs from it.
//
//go:embed app_rules.json
var AppRulesJSON []byte

// Rules is app_rules.json (see its "about" for every field's meaning).
type Rules struct {
	About                map[string]string   `json:"about"`
	TechPriority         map[string]int      `json:"tech_priority"`
	TechPriorityDefault  int                 `json:"tech_priority_default"`
	PseudoTechnologies   []PseudoTechnology  `json:"pseudo_technologies"`
	CategoryExact        map[string]string   `json:"category_exact"`
	CategoryKeywords     []CategoryKeyword   `json:"category_keywords"`
	TechFilterClasses    map[string][]string `json:"tech_filter_classes"`
	ResidentialCompanies map[string]string   `json:"residential_companies"`
	ActiveAuctionYears   []string            `json:"active_auction_years"`
	QuoteSafe            string              `json:"quote_safe"`
	URLTemplates         URLTemplates        `json:"url_templates"`
	DescriptionMax       int                 `json:"description_max"`
	UnknownLocation      string              `json:"unknown_location"`
}

// PseudoTechnology is a technologies key a location group gains from its
// descriptions.
type PseudoTechnology struct {
	Name     string   `json:"name"`
	Patterns []string `json:"patterns"`
}

// CategoryKeyword is one KEYWORD_MAPPING entry.
type CategoryKeyword struct {
	Keyword  string `json:"keyword"`
	Category string `json:"category"`
}

// URLTemplates are the app's page URLs, each with one placeholder.
type URLTemplates struct {
	Location  string `json:"location"`  // {location}: the quoted location text
	Company   string `json:"company"`   // {company_id}: the quoted company_id
	Component string `json:"component"` // {id}: the register id in decimal
}

// The placeholders of URLTemplates.
const (
	LocationPlaceholder  = "{location}"
	CompanyPlaceholder   = "{company_id}"
	ComponentPlaceholder = "{id}"
)

// App is AppRulesJSON, parsed when the program starts. A file that does not
// parse is a build defect (TestAppRulesParse), so it panics.
var App = mustParseRules(AppRulesJSON)

func mustParseRules(b []byte) Rules {
	r, err := parseRules(b)
	if err != nil {
		panic(err)
	}
	return r
}

// parseRules fails on unknown fields, a key without its "about" (or an about
// of no key), a template without its one placeholder, and quote_safe
// characters that are not ASCII punctuation, so the file cannot say more than
// its readers understand.
func parseRules(b []byte) (Rules, error) {
	var r Rules
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("app_rules.json: %w", err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return r, fmt.Errorf("app_rules.json: %w", err)
	}
	for k := range keys {
		if _, ok := r.About[k]; !ok && k != "about" {
			return r, fmt.Errorf("app_rules.json: %s: no about", k)
		}
	}
	for k := range r.About {
		if _, ok := keys[k]; !ok {
			return r, fmt.Errorf("app_rules.json: about names %s, which the file does not set", k)
		}
	}
	for _, t := range []struct{ name, tmpl, ph string }{
		{"location", r.URLTemplates.Location, LocationPlaceholder},
		{"company", r.URLTemplates.Company, CompanyPlaceholder},
		{"component", r.URLTemplates.Component, ComponentPlaceholder},
	} {
		if strings.Count(t.tmpl, t.ph) != 1 {
			return r, fmt.Errorf("app_rules.json: url_templates.%s %q: want %s once", t.name, t.tmpl, t.ph)
		}
	}
	for _, c := range []byte(r.QuoteSafe) {
		if c <= ' ' || c >= 0x7f || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			return r, fmt.Errorf("app_rules.json: quote_safe %q: %q is not ASCII punctuation", r.QuoteSafe, c)
		}
	}
	if r.DescriptionMax <= 0 {
		return r, fmt.Errorf("app_rules.json: description_max %d: want > 0", r.DescriptionMax)
	}
	return r, nil
}

// Fill returns template with its placeholder replaced by value (already
// quoted where the template's doc says so).
func Fill(template, placeholder, value string) string {
	return strings.Replace(template, placeholder, value, 1)
}

// ResidentialCompanyNames are the companies of ResidentialCompanies, sorted.
func (r Rules) ResidentialCompanyNames() []string {
	var out []string
	for _, c := range r.ResidentialCompanies {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
