package record

import (
	"slices"
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/apprules"
)

func TestCategorize(t *testing.T) {
	tests := []struct {
		in   string
		want Category
	}{
		{"", Unknown},
		{"  ", Unknown},
		{"DSR", DSR},
		{"Storage", Battery},
		{"Storage (Duration 2.5h)", Battery},
		{"Lithium battery", Battery},
		{"Onshore Wind", Wind},
		{"Offshore Wind", Wind},
		{"Solar Photovoltaic", Solar},
		{"Hydro", Hydro},
		{"Nuclear", Nuclear},
		{"Open Cycle Gas Turbine (OCGT)", Gas},
		{"Combined Cycle Gas Turbine (CCGT)", Gas},
		{"Reciprocating engines", Gas},
		{"OCGT and Reciprocating Engines (Fuel Type - Diesel)", Gas},
		{"OCGT and Reciprocating Engines (Fuel Type - Gas)", Gas},
		{"Oil-fired steam generators", Gas},
		{"Combined Heat and Power (CHP)", CHP},
		{"CHP and autogeneration", CHP},
		{"Energy from Waste", Biomass},
		{"Biomass", Biomass},
		{"Coal/biomass", Biomass},
		{"Coal", Coal},
		{"BritNED (Netherlands)", Interconnector},
		{"IFA2 (France)", Interconnector},
		{"EWIC (Republic of Ireland)", Interconnector},
		{"Moyle (Northern Ireland)", Interconnector},
		{"NSL (Norway)", Interconnector},
		{"VikingLink (Denmark)", Interconnector},
		{"Tidal lagoon", Other},
		// Whole words only (app-integration.md): the app's substring test would
		// call these Interconnector, Gas, Wind and Coal.
		{"Unsleeved generation", Other},
		{"Unsleeved interconnector capacity", Interconnector},
		{"Gaseous fuel", Other},
		{"Windsor CHP", CHP},
		{"Charcoal kiln", Other},
		{"Pumped Storage Hydro", Battery}, // "storage" comes before "hydro" in the app's list
		{"Lithium-ion battery", Battery},
		{"Demand Side Response", Other}, // not in the app's table or keywords
		{"dsr", DSR},                    // keyword, case-insensitive
		{"STORAGE", Battery},
		{"Interconnector (Norway)", Interconnector},
		{"Hydro/Wind hybrid", Wind}, // wind is tried before hydro
	}
	for _, tt := range tests {
		if got := Categorize(tt.in); got != tt.want {
			t.Errorf("Categorize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCategorizeFollowsAppRules: Categorize gives every class of
// app_rules.json's category_exact its category, and a class made of one
// keyword of category_keywords (upper-cased, as a word among others) the
// keyword's category, the first keyword in the file's order winning; every
// category the file names is one of Categories.
func TestCategorizeFollowsAppRules(t *testing.T) {
	r := apprules.App
	for class, want := range r.CategoryExact {
		if got := Categorize(class); string(got) != want {
			t.Errorf("Categorize(%q) = %q, app_rules.json category_exact says %q", class, got, want)
		}
	}
	for i, k := range r.CategoryKeywords {
		class := "Plant " + strings.ToUpper(k.Keyword) + " unit"
		if _, exact := r.CategoryExact[class]; exact {
			continue
		}
		if got := Categorize(class); string(got) != k.Category {
			t.Errorf("Categorize(%q) = %q, app_rules.json category_keywords[%d] says %q", class, got, i, k.Category)
		}
		for _, later := range r.CategoryKeywords[i+1:] {
			both := k.Keyword + " " + later.Keyword
			if got := Categorize(both); string(got) != k.Category {
				t.Errorf("Categorize(%q) = %q, want the earlier keyword's %q", both, got, k.Category)
			}
		}
	}
	for _, c := range r.CategoryExact {
		if !slices.Contains(Categories, Category(c)) {
			t.Errorf("app_rules.json names category %q, not one of Categories", c)
		}
	}
	for _, k := range r.CategoryKeywords {
		if !slices.Contains(Categories, Category(k.Category)) {
			t.Errorf("app_rules.json names category %q, not one of Categories", k.Category)
		}
	}
}
