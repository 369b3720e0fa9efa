package sample

// techClass is a "Generating Technology Class" with its count among the real
// register's non-DSR components (../shared/data/register/components_*.json, 18,879
// distinct rows, 7,579 of them DSR, measured once). "" is a null class.
type techClass struct {
	Class string
	Count int
}

var techClasses = []techClass{
	{"", 2753},
	{"Reciprocating engines", 2064},
	{"Combined Heat and Power (CHP)", 1765},
	{"Storage (Duration 2h)", 769},
	{"Storage (Duration 1h)", 578},
	{"OCGT and Reciprocating Engines (Fuel Type - Gas)", 359},
	{"Open Cycle Gas Turbine (OCGT)", 351},
	{"Combined Cycle Gas Turbine (CCGT)", 342},
	{"Hydro", 313},
	{"CHP and autogeneration", 297},
	{"Storage", 237},
	{"Energy from Waste", 178},
	{"Storage (Duration 2.5h)", 148},
	{"Nuclear", 128},
	{"Coal", 119},
	{"Storage (Duration 4h)", 117},
	{"Onshore Wind", 114},
	{"Solar Photovoltaic", 101},
	{"OCGT and Reciprocating Engines", 100},
	{"Storage (Duration 1.5h)", 100},
	{"Coal/biomass", 54},
	{"Storage (Duration 3h)", 39},
	{"Storage (Duration 6h)", 33},
	{"Storage (Duration 12h)", 28},
	{"Storage (Duration 5.5h)", 27},
	{"Biomass", 24},
	{"Storage (Duration 9h)", 23},
	{"OCGT and Reciprocating Engines (Fuel Type - Diesel)", 22},
	{"Storage (Duration 0.5h)", 21},
	{"EWIC (Ireland)", 11},
	{"IFA2 (France)", 10},
	{"Moyle (Northern Ireland)", 10},
	{"BritNED (Netherlands)", 9},
	{"Eleclink (France)", 9},
	{"IFA (France)", 9},
	{"Storage (Duration 9.5h)", 8},
	{"Storage (Duration 7h)", 6},
	{"Storage (Duration 4.5h)", 5},
	{"Greenlink (Republic of Ireland)", 4},
	{"Oil-fired steam generators", 4},
	{"Storage (Duration 8h)", 3},
	{"Offshore Wind", 3},
	{"Storage (Duration 5h)", 2},
	{"Storage (Duration 8.5h)", 1},
	{"Storage (Duration 3.5h)", 1},
	{"EWIC (Republic of Ireland)", 1},
}

// yearWeights are the real register's distinct components per delivery year.
var yearWeights = []struct{ Year, Count int }{
	{2016, 233}, {2017, 1121}, {2018, 709}, {2019, 696}, {2020, 1559}, {2021, 1937}, {2022, 2579},
	{2023, 2199}, {2024, 2630}, {2025, 1693}, {2026, 1026}, {2027, 1175}, {2028, 1323},
}

// auctionTypes lists which auctions delivered capacity in each delivery year, as
// in the real register: transitional auctions for 2016-17 and 2017-18, one-year-
// ahead auctions from 2017-18, four-year-ahead from 2018-19, a three-year-ahead
// auction for 2022-23, and no T-1 yet for 2026-27 onwards.
func auctionTypes(year int) []string {
	switch {
	case year == 2016:
		return []string{"TR"}
	case year == 2017:
		return []string{"T-1", "TR"}
	case year == 2022:
		return []string{"T-4", "T-3", "T-1"}
	case year >= 2026:
		return []string{"T-4"}
	}
	return []string{"T-4", "T-1"}
}

// AuctionName is the register's name for the auction of a type delivering in year.
func AuctionName(year int, typ string) string {
	period := func() string { return itoa(year) + "-" + pad2((year+1)%100) }
	switch typ {
	case "TR":
		return period() + " (TR) Transitional Capacity Auction"
	case "T-1":
		return period() + " (T-1) One Year Ahead Capacity Auction"
	case "T-3":
		return period() + " (T-3) Three Year Ahead Capacity Auction"
	}
	return period() + " (T-4) Four Year Ahead Capacity Auction"
}

// Words for synthetic company names: clearly invented, always suffixed "(synthetic)".
var (
	nameFirst = []string{"Amber", "Birch", "Cobalt", "Delta", "Ember", "Fern", "Granite", "Heron", "Indigo", "Juniper",
		"Kestrel", "Larch", "Meridian", "Nimbus", "Orchard", "Pennine", "Quarry", "Rowan", "Slate", "Thistle",
		"Umber", "Vale", "Willow", "Yarrow", "Zephyr", "Alder", "Bracken", "Cedar", "Dunlin", "Elm"}
	nameSecond = []string{"Power", "Energy", "Flex", "Grid", "Storage", "Generation", "Demand", "Renewables", "Utilities", "Systems"}
	nameSuffix = []string{"Limited", "Ltd", "UK Limited", "Holdings Limited", "LLP", "PLC"}
)

// Street names and kinds for synthetic addresses.
var (
	streets     = []string{"Mill", "Station", "Church", "Park", "Victoria", "Albert", "Bridge", "Canal", "Foundry", "Quarry", "Chapel", "Market", "Riverside", "Brook", "Meadow", "Forge", "Kiln", "Wharf", "Depot", "Gasworks"}
	streetKinds = []string{"Road", "Lane", "Street", "Way", "Industrial Estate", "Business Park", "Trading Estate"}
)

// descriptions by category, the register's kind of wording.
var descriptions = map[string][]string{
	"DSR":     {"Load curtailment", "Load curtailment from refrigeration", "Standby diesel generation", "Demand turn-down of process load", "Behind-the-meter battery and load shifting", "Combined load curtailment and on-site generation"},
	"Battery": {"Battery energy storage system (BESS)", "Electro-chemical battery storage", "Grid-scale lithium-ion battery"},
	"Gas":     {"Gas reciprocating engines", "Open cycle gas turbine", "Combined cycle gas turbine power station", "Diesel reciprocating engines"},
	"CHP":     {"Combined heat and power plant", "Gas CHP engine serving site heat load"},
	"Other":   {"Generating unit", "Power station unit", "Interconnector capacity", "Hydro generating unit", "Wind farm", "Solar farm", "Energy from waste plant", "Nuclear generating unit"},
}

// noLocations are the register's ways of saying "no location yet".
var noLocations = []string{"TBC", "N/A", "NA", "To be confirmed once CMU components are known", "Component has yet to be procured.", "To be determined"}

// badGridRefs are grid references no parser should accept.
var badGridRefs = []string{"xx 111 111", "ZZ 123 456", "SE 47A 250", "TQ 1234 567 89"}
