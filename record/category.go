package record

import "strings"

// Category is the simplified technology the map pages colour by.
type Category string

// The categories, in the order the map legend lists them.
const (
	DSR            Category = "DSR"
	Battery        Category = "Battery"
	Gas            Category = "Gas"
	CHP            Category = "CHP"
	Wind           Category = "Wind"
	Solar          Category = "Solar"
	Hydro          Category = "Hydro"
	Nuclear        Category = "Nuclear"
	Biomass        Category = "Biomass"
	Coal           Category = "Coal"
	Interconnector Category = "Interconnector"
	Other          Category = "Other"
	Unknown        Category = "Unknown"
)

// Categories lists every category in legend order.
var Categories = []Category{DSR, Battery, Gas, CHP, Wind, Solar, Hydro, Nuclear, Biomass, Coal, Interconnector, Other, Unknown}

// exactCategory maps the register's technology class names (lower-cased) to a category.
var exactCategory = map[string]Category{
	"dsr":                               DSR,
	"storage":                           Battery,
	"onshore wind":                      Wind,
	"offshore wind":                     Wind,
	"solar photovoltaic":                Solar,
	"hydro":                             Hydro,
	"nuclear":                           Nuclear,
	"open cycle gas turbine (ocgt)":     Gas,
	"combined cycle gas turbine (ccgt)": Gas,
	"reciprocating engines":             Gas,
	"ocgt and reciprocating engines":    Gas,
	"oil-fired steam generators":        Gas,
	"combined heat and power (chp)":     CHP,
	"chp and autogeneration":            CHP,
	"energy from waste":                 Biomass,
	"biomass":                           Biomass,
	"coal/biomass":                      Biomass,
	"coal":                              Coal,
}

// keywordCategory is tried in order when no exact name matches.
var keywordCategory = []struct {
	keyword  string
	category Category
}{
	{"dsr", DSR},
	{"demand side", DSR},
	{"battery", Battery},
	{"storage", Battery},
	{"ocgt and reciprocating engines", Gas},
	{"wind", Wind},
	{"solar", Solar},
	{"hydro", Hydro},
	{"nuclear", Nuclear},
	{"ccgt", Gas},
	{"ocgt", Gas},
	{"gas", Gas},
	{"reciprocating", Gas},
	{"chp", CHP},
	{"combined heat", CHP},
	{"biomass", Biomass},
	{"waste", Biomass},
	{"coal", Coal},
	{"britned", Interconnector},
	{"ifa", Interconnector},
	{"eleclink", Interconnector},
	{"ewic", Interconnector},
	{"greenlink", Interconnector},
	{"moyle", Interconnector},
	{"nemo", Interconnector},
	{"neuconnect", Interconnector},
	{"nsl", Interconnector},
	{"viking", Interconnector},
	{"interconnector", Interconnector},
}

// Categorize simplifies a register technology class the way the app does: exact
// names first, then keywords, else Other; an empty (null) class is Unknown.
func Categorize(techClass string) Category {
	t := strings.ToLower(strings.TrimSpace(techClass))
	if t == "" {
		return Unknown
	}
	if c, ok := exactCategory[t]; ok {
		return c
	}
	for _, k := range keywordCategory {
		if strings.Contains(t, k.keyword) {
			return k.category
		}
	}
	return Other
}
