// Package record is prebake's normalized data model: one Component per distinct
// register row, one CMU per CMU-level register row, and the Dataset a bake hands to
// every generator. It holds no I/O; readers fill it, generators read it.
package record

// Component is one distinct row of the Capacity Market component register: one
// component in one auction. Rows are distinct by the register's own row id (`_id`).
type Component struct {
	ID          int64  // register row id (`_id`): the stable key of a component row
	ComponentID string // "Component ID"
	CMUID       string // "CMU ID"
	Company     string // "Company Name"

	TechClass string   // raw "Generating Technology Class"; "" when null
	Category  Category // simplified category (see Categorize)

	DeliveryYear int    // "Delivery Year"; 0 when unknown
	AuctionName  string // "Auction Name"
	AuctionType  string // "Type": T-4, T-3, T-1, TR, ST

	DeratedMW    *float64 // "De-Rated Capacity"; nil when null
	ConnectionMW *float64 // "Connection / DSR Capacity"; nil when null

	Description string // "Description of CMU Components"
	Location    string // "Location and Post Code", trimmed; "" when a no-location marker
	// LocationText is "Location and Post Code" verbatim (newlines, surrounding
	// space and no-location markers such as "TBC" kept; "" when null): the app's
	// location text, which its titles, location groups and /location/by-name/
	// URLs use as they are.
	LocationText string

	Postcode string // full unit postcode found in Location, normalized "AA9A 9AA"; "" if none
	Outcode  string // outward code of Postcode, or an outcode found alone in Location
	GridRef  string // OS grid reference as given, normalized "SE 473 250"; "" if none

	// App is the position the app's database stores for the row (latitude,
	// longitude from its paid geocoder, which reads the location text); nil
	// when the source is a file or the database has none. The geocode package
	// weighs it as the last evidence (docs/geocoding.md).
	App *Position

	Geo Geocode // where the component is, or why it is not on the map

	// Joined from the CMU-level register by (CMU ID, delivery year); empty when no CMU row.
	ParentCompany            string
	UnitType                 string // "CM Unit Type"
	UnitCategory             string // "CM Unit Category"
	TransmissionDistribution string // "Transmission / Distribution"

	// Provenance, for reports: the source file and 1-based record number.
	SourceFile string
	SourceRow  int
}

// Geocode is the result of locating a component offline.
type Geocode struct {
	Lat, Lng  float64
	Located   bool
	Source    string // GeoGridRef or GeoPostcode when Located
	Precision string // PrecisionGrid* or PrecisionUnit/Sector/District when Located
	Unlocated string // reason when not Located: Unlocated* constants

	// GridRefIssue says why the row's grid reference was not used, so the report
	// can list it for the operator: GridRef* constants; "" when it was used or
	// the row has none. GridRefDetail says it in words (the parser's error, or the
	// distance to the postcodes that outvoted it).
	GridRefIssue  string
	GridRefDetail string

	// AppIssue says why the app's stored position (Component.App) was not
	// used, or that it disagrees with the position used: App* constants; ""
	// when there is none or it agrees. AppDetail says it in words.
	AppIssue  string
	AppDetail string
}

// Position is a WGS84 latitude/longitude in degrees.
type Position struct{ Lat, Lng float64 }

// Why the app's stored position was reported (Geocode.AppIssue).
const (
	AppOutsideGB = "app_position_outside_gb" // the stored position is outside Great Britain (geocode.InGB): not used
	// AppDisagrees: the row's own evidence placed the component, and the stored
	// position is farther from it than two postcodes of one site may be.
	AppDisagrees = "app_position_disagrees"
)

// Why a row's grid reference was not used (Geocode.GridRefIssue).
const (
	GridRefUnparseable  = "grid_ref_unparseable"  // not an OS grid reference (a stray character, odd digit count, unknown square)
	GridRefOutsideGB    = "grid_ref_outside_gb"   // names a place outside Great Britain (geocode.InGB)
	GridRefContradicted = "grid_ref_contradicted" // farther than the geocoder's thresholds from every postcode in the row
	// GridRefRepaired: used, but read only after taking a Unicode space (a
	// no-break space) for a space; listed so the register can be corrected.
	GridRefRepaired = "grid_ref_repaired"
)

// Geocode sources.
const (
	GeoGridRef  = "os_grid_ref"
	GeoPostcode = "postcode"
	// GeoApp: the position the app's database stores (its paid geocoder),
	// used only when the row gives no usable grid reference or postcode.
	GeoApp = "app_database"
)

// Geocode precisions. Grid precisions name the size of the grid square.
const (
	Precision1m      = "1m"
	Precision10m     = "10m"
	Precision100m    = "100m"
	Precision1km     = "1km"
	Precision10km    = "10km"
	Precision100km   = "100km"
	PrecisionUnit    = "postcode_unit"
	PrecisionSector  = "postcode_sector"
	PrecisionOutcode = "postcode_district"
	// PrecisionApp: the app's geocoder's point, whose precision it does not store.
	PrecisionApp = "app_geocoder"
)

// Reasons a used component is left off the map.
const (
	UnlocatedNoLocation      = "no_location"      // no grid reference and no postcode
	UnlocatedBadGridRef      = "bad_grid_ref"     // grid reference present but unparseable, and no postcode fallback
	UnlocatedUnknownPostcode = "unknown_postcode" // postcode (or outcode) not in any table
	UnlocatedNoPostcodeTable = "no_postcode_table"
	UnlocatedOutsideGB       = "outside_gb" // coordinates fall outside Great Britain and its islands
)

// CMU is one row of the CMU-level register: one CMU in one auction.
type CMU struct {
	ID                       int64 // `_id`
	CMUID                    string
	DeliveryYear             int
	AuctionName              string
	AuctionType              string
	Applicant                string // "Name of Applicant"
	UnitName                 string // "CM Unit Name"
	ParentCompany            string
	UnitType                 string
	UnitCategory             string
	TransmissionDistribution string
	PrimaryFuel              string
	ConnectionMW             *float64
	DeratedMW                *float64
	AnticipatedDeratedMW     *float64

	// Contacts are personal data: published only with --include-contacts.
	Contacts map[string]string // register column name -> value, only columns that look like contacts

	SourceFile string
	SourceRow  int
}

// PostcodePoint is one postcode with its WGS84 position.
type PostcodePoint struct {
	Postcode string // normalized "AA9A 9AA"
	Lat, Lng float64
}

// Dataset is everything a bake's generators read.
type Dataset struct {
	Components []Component // sorted by ID
	CMUs       []CMU       // sorted by (CMUID, DeliveryYear, ID)
	Postcodes  []PostcodePoint
	Synthetic  bool // true when the component rows are prebake's synthetic sample

	// What the postcode inputs require: their attribution statements and
	// whether every one of them is synthetic. They follow the postcode inputs,
	// not the component rows (a bake of synthetic components over real
	// Code-Point data still owes the OGL attribution).
	PostcodeAttribution string
	PostcodesSynthetic  bool
}
