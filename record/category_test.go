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
	}
	for _, tt := range tests {
		if got := Categorize(tt.in); got != tt.want {
			t.Errorf("Categorize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
