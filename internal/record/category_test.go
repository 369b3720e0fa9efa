package record

import "testing"

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
