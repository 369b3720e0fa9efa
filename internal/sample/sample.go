// Package sample writes prebake's bundled synthetic register: component files in
// the app's cache shape, CMU-level rows, and a postcode table, so that a fresh
// clone bakes a production-sized, realistic register without ../shared (which the
// project must never copy). Every company, address, postcode inward code and
// contact in it is invented; towns, outcodes, technology classes and their
// proportions are real.
//
// Output is a pure function of Options: the generator uses its own PRNG
// (splitmix64) and integer arithmetic only, one goroutine, and sorted output, so
// the same seed gives byte-identical files on any machine and GOMAXPROCS. (The
// postcode table's lat/lng come from osgb.ToWGS84 and are printed to 6 decimals.)
package sample

import (
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/prebake/prebake/internal/atomicfile"
)

// Defaults: the production register's size (63,847 components, 28,270 DSR, per the
// app's own numbers), rounded.
const (
	DefaultSeed       = 1
	DefaultComponents = 64000
	DefaultDSR        = 28270
)

// DeliberateRejects is how many malformed rows the sample carries on purpose (in
// its first component file), so that a bake of it exercises rejection: one with an
// unparseable Delivery Year, one with nothing identifying it, one with an object
// where the company name belongs.
const DeliberateRejects = 3

// File names the sample writes.
const (
	ComponentsPrefix = "synthetic_components_" // + <first character of the CMU key> + ".json"
	CMURowsFile      = "synthetic_cmu_register_rows.json"
	PostcodesFile    = "synthetic_postcodes.csv"
	ReadmeFile       = "README.txt"
)

// Options control the sample.
type Options struct {
	Seed       int64 // 0 means DefaultSeed
	Components int   // distinct components; 0 means DefaultComponents
}

// DSRCount is how many of n components are DSR: DefaultDSR scaled to n.
func DSRCount(n int) int {
	return (n*DefaultDSR*2 + DefaultComponents) / (2 * DefaultComponents) // rounded, in integers
}

// Write generates the sample into dir (created if needed; earlier
// synthetic_components_*.json files there are removed first) and returns the
// paths it wrote, sorted.
func Write(dir string, opts Options) ([]string, error) {
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	if opts.Components == 0 {
		opts.Components = DefaultComponents
	}
	if opts.Components < 0 {
		return nil, fmt.Errorf("sample: --components must be positive, got %d", opts.Components)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, ComponentsPrefix+"*.json"))
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			return nil, fmt.Errorf("sample: removing the previous sample: %w", err)
		}
	}
	g := newGenerator(opts)
	g.generate()
	files := g.render()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var written []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := atomicfile.Write(p, files[n]); err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}

// rng is splitmix64: tiny, and its output is fixed by this code, not by a library.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// perMille is true with probability p/1000.
func (r *rng) perMille(p int) bool { return r.intn(1000) < p }

// weighted picks an index with probability proportional to cum's increments
// (cum is the running sum of the weights).
func (r *rng) weighted(cum []int) int {
	x := r.intn(cum[len(cum)-1])
	return sort.Search(len(cum), func(i int) bool { return cum[i] > x })
}

func cumulative(n int, weight func(i int) int) []int {
	cum := make([]int, n)
	t := 0
	for i := range cum {
		t += weight(i)
		cum[i] = t
	}
	return cum
}

type company struct {
	name, parent string
	cmus         []int
}

type site struct {
	easting, northing int
	postcode          string // "" when the site has no postcode
	location          string // JSON literal: a string or null
	gridRef           string // JSON literal: a string or null
}

type auction struct {
	year int
	typ  string
}

type cmu struct {
	id       string
	company  int
	class    string // "DSR" or a techClasses class ("" = null)
	category string // key into descriptions
	sites    []int
	auctions []auction
}

type component struct {
	id          int64
	cmu         int
	site        int
	siteIndex   int
	auction     auction
	componentID string // JSON literal
	derated     string // JSON literal
	connection  string // JSON literal
	description string
	secondKey   int // another CMU of the same company the row also appears under; -1 if none
}

type generator struct {
	opts       Options
	r          rng
	companies  []company
	sites      []site
	cmus       []cmu
	comps      []component
	postcodes  map[string][2]int   // postcode -> easting, northing
	byOutcode  map[string][]string // outcode -> its postcodes, in the order invented
	usedCMUIDs map[string]bool
}

func newGenerator(opts Options) *generator {
	return &generator{
		opts:       opts,
		r:          rng{s: uint64(opts.Seed) * 0x2545f4914f6cdd1d},
		postcodes:  map[string][2]int{},
		byOutcode:  map[string][]string{},
		usedCMUIDs: map[string]bool{},
	}
}

func (g *generator) generate() {
	n := g.opts.Components
	dsr := DSRCount(n)
	g.makeCompanies(min(300, n/8+2))

	// Companies are power-law sized: the k-th gets weight 1/k.
	companyCum := cumulative(len(g.companies), func(i int) int { return 1_000_000 / (i + 1) })
	classCum := cumulative(len(techClasses), func(i int) int { return techClasses[i].Count })
	yearCum := cumulative(len(yearWeights), func(i int) int { return yearWeights[i].Count })
	townCum := cumulative(len(towns), func(i int) int { return towns[i].Weight })

	nextID := int64(500001)
	for pool, remaining := range []int{dsr, n - dsr} {
		isDSR := pool == 0
		for remaining > 0 {
			c := cmu{id: g.newCMUID(), company: g.r.weighted(companyCum)}
			nSites, nYears := 1, 1+g.r.intn(4)
			if isDSR {
				c.class, c.category = "DSR", "DSR"
				nSites = 1 + g.r.intn(3)
				if g.r.perMille(200) {
					nSites += g.r.intn(12)
				}
				nYears = 1 + g.r.intn(3)
			} else {
				c.class = techClasses[g.r.weighted(classCum)].Class
				c.category = categoryOf(c.class)
				if g.r.perMille(150) {
					nSites += 1 + g.r.intn(3)
				}
			}
			start := yearWeights[g.r.weighted(yearCum)].Year
			for y := start; y <= 2028 && len(c.auctions) < nYears; y++ {
				types := auctionTypes(y)
				typ := types[0]
				if len(types) > 1 && g.r.perMille(350) {
					typ = types[1+g.r.intn(len(types)-1)]
				}
				c.auctions = append(c.auctions, auction{y, typ})
			}
			home := g.r.weighted(townCum)
			for s := 0; s < nSites; s++ {
				t := home
				if g.r.perMille(300) { // aggregators' sites spread across the country
					t = g.r.weighted(townCum)
				}
				c.sites = append(c.sites, g.newSite(t))
			}
			ci := len(g.cmus)
			g.companies[c.company].cmus = append(g.companies[c.company].cmus, ci)
			for _, a := range c.auctions {
				for si, s := range c.sites {
					if remaining == 0 {
						break
					}
					g.comps = append(g.comps, g.newComponent(nextID, ci, &c, s, si, a))
					nextID += 1 + int64(g.r.intn(3))
					remaining--
				}
			}
			g.cmus = append(g.cmus, c)
		}
	}
	// A row also appears under another CMU key of its company (as the app's cache
	// repeats rows under several keys), for about one row in eight.
	for i := range g.comps {
		g.comps[i].secondKey = -1
		co := &g.companies[g.cmus[g.comps[i].cmu].company]
		if len(co.cmus) > 1 && g.r.perMille(125) {
			other := co.cmus[g.r.intn(len(co.cmus))]
			if other != g.comps[i].cmu {
				g.comps[i].secondKey = other
			}
		}
	}
}

func (g *generator) makeCompanies(n int) {
	for i := 0; i < n; i++ {
		first := nameFirst[i%len(nameFirst)]
		second := nameSecond[(i/len(nameFirst))%len(nameSecond)]
		name := first + " " + second
		if i >= len(nameFirst)*len(nameSecond) {
			name += " " + itoa(i/(len(nameFirst)*len(nameSecond))+1)
		}
		suffix := nameSuffix[g.r.intn(len(nameSuffix))]
		parent := nameFirst[g.r.intn(len(nameFirst))] + " Group Holdings Limited (synthetic)"
		g.companies = append(g.companies, company{name: strings.ToUpper(name+" "+suffix) + " (synthetic)", parent: parent})
	}
}

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func (g *generator) newCMUID() string {
	for {
		b := make([]byte, 6)
		for i := range b {
			b[i] = idChars[g.r.intn(len(idChars))]
		}
		if id := string(b); !g.usedCMUIDs[id] {
			g.usedCMUIDs[id] = true
			return id
		}
	}
}

// inwardLetters are the letters a postcode's inward code may end in.
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// newSite places a site within 4 km of a town and gives it an address, a postcode
// of the town's outcode with an invented inward code, and a grid reference, or
// one of the register's ways of lacking them.
func (g *generator) newSite(t int) int {
	tw := towns[t]
	const radius = 4000
	var dx, dy int
	for {
		dx, dy = g.r.intn(2*radius+1)-radius, g.r.intn(2*radius+1)-radius
		if dx*dx+dy*dy <= radius*radius/4 || (dx*dx+dy*dy <= radius*radius && g.r.perMille(300)) {
			break
		}
	}
	s := site{easting: int(tw.Easting) + dx, northing: int(tw.Northing) + dy, location: "null", gridRef: "null"}
	roll := g.r.intn(1000)
	gridStyle := -1
	switch {
	case roll < 30: // no location at all
		if g.r.intn(7) > 0 {
			s.location = jsonString(noLocations[g.r.intn(len(noLocations))])
		}
		return g.addSite(s)
	case roll < 34: // a grid reference nothing can parse; half have a postcode to fall back on
		s.gridRef = jsonString(badGridRefs[g.r.intn(len(badGridRefs))])
		if g.r.perMille(500) {
			s.location = jsonString(noLocations[g.r.intn(len(noLocations))])
			return g.addSite(s)
		}
	case roll < 194: // an address but no grid reference (about 19% of rows in all)
	default:
		gridStyle = g.r.intn(10)
		s.gridRef = jsonString(formatGridRef(s.easting, s.northing, gridStyle))
	}
	var shared bool
	s.postcode, shared = g.newPostcode(tw.Outcode, s.easting, s.northing)
	if shared { // the site is at its postcode, so grid reference and postcode still agree
		at := g.postcodes[s.postcode]
		s.easting, s.northing = at[0], at[1]
		if gridStyle >= 0 {
			s.gridRef = jsonString(formatGridRef(s.easting, s.northing, gridStyle))
		}
	}
	street := streets[g.r.intn(len(streets))] + " " + streetKinds[g.r.intn(len(streetKinds))]
	sep := ", "
	if g.r.perMille(50) {
		sep = ",\n"
	}
	addr := "Unit " + itoa(1+g.r.intn(120)) + sep + street + sep + tw.Name + sep + s.postcode
	if g.r.perMille(100) {
		addr = street + " " + tw.Name + " " + s.postcode // no commas, as some rows have
	}
	s.location = jsonString(addr)
	return g.addSite(s)
}

func (g *generator) addSite(s site) int {
	g.sites = append(g.sites, s)
	return len(g.sites) - 1
}

// postcodesPerOutcode caps the distinct postcodes the sample invents in one
// outcode. An outcode has 10×20×20 = 4,000 possible inward codes; drawing them at
// random slows as they fill and never ends once all are taken (a busy town at 1M
// components has more sites than that). Past the cap a new site shares an
// existing postcode of its outcode, as neighbouring sites on one street do in the
// register. The production-sized sample stays below it (870 in its busiest
// outcode), so its files are unchanged. A site given a shared postcode moves to
// that postcode's place (shared is true).
const postcodesPerOutcode = 2000

func (g *generator) newPostcode(outcode string, e, n int) (pc string, shared bool) {
	if used := g.byOutcode[outcode]; len(used) >= postcodesPerOutcode {
		return used[g.r.intn(len(used))], true
	}
	for {
		pc := outcode + " " + string([]byte{
			'0' + byte(g.r.intn(10)),
			inwardLetters[g.r.intn(len(inwardLetters))],
			inwardLetters[g.r.intn(len(inwardLetters))],
		})
		if _, taken := g.postcodes[pc]; !taken {
			g.postcodes[pc] = [2]int{e, n}
			g.byOutcode[outcode] = append(g.byOutcode[outcode], pc)
			return pc, false
		}
	}
}

// formatGridRef writes an OSGB36 easting/northing as a grid reference: mostly
// "SE 473 250" (100 m), sometimes without spaces or to 1 m (10 digits).
func formatGridRef(e, n, style int) string {
	e100k, n100k := e/100000, n/100000
	l1 := (19 - n100k) - (19-n100k)%5 + (e100k+10)/5
	l2 := (19-n100k)*5%25 + e100k%5
	if l1 > 7 { // the grid skips I
		l1++
	}
	if l2 > 7 {
		l2++
	}
	letters := string([]byte{'A' + byte(l1), 'A' + byte(l2)})
	switch style {
	case 0:
		return fmt.Sprintf("%s%03d%03d", letters, e%100000/100, n%100000/100)
	case 1:
		return fmt.Sprintf("%s %05d %05d", letters, e%100000, n%100000)
	}
	return fmt.Sprintf("%s %03d %03d", letters, e%100000/100, n%100000/100)
}

func categoryOf(class string) string {
	l := strings.ToLower(class)
	switch {
	case strings.Contains(l, "storage"):
		return "Battery"
	case strings.Contains(l, "chp") || strings.Contains(l, "combined heat"):
		return "CHP"
	case strings.Contains(l, "gas") || strings.Contains(l, "reciprocating") || strings.Contains(l, "oil"):
		return "Gas"
	}
	return "Other"
}

// megawatts writes thousandths of a MW as a JSON number.
func megawatts(milli int) string {
	return itoa(milli/1000) + "." + fmt.Sprintf("%03d", milli%1000)
}

func (g *generator) newComponent(id int64, ci int, c *cmu, s, si int, a auction) component {
	comp := component{id: id, cmu: ci, site: s, siteIndex: si, auction: a, derated: "null", connection: "null"}
	switch {
	case g.r.perMille(5):
		comp.componentID = "null"
	case len(c.sites) == 1:
		comp.componentID = jsonString(c.id)
	default:
		comp.componentID = jsonString(c.id + "-" + fmt.Sprintf("%02d", si+1))
	}
	maxMilli := map[string]int{"DSR": 5000, "Battery": 50000, "Gas": 400000, "CHP": 20000, "Other": 100000}[c.category]
	if g.r.perMille(140) { // de-rated capacity is null on ~86% of rows
		comp.derated = megawatts(100 + g.r.intn(maxMilli))
	}
	if g.r.perMille(150) {
		comp.connection = megawatts(100 + g.r.intn(maxMilli*12/10))
	}
	d := descriptions[c.category]
	comp.description = d[g.r.intn(len(d))]
	return comp
}

func itoa(i int) string { return strconv.Itoa(i) }

func pad2(i int) string { return fmt.Sprintf("%02d", i) }
