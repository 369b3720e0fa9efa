package sample

import (
	"bytes"
	"sort"
	"strconv"

	"github.com/prebake/prebake/internal/osgb"
)

// render lays every file out in memory: file name -> content.
func (g *generator) render() map[string][]byte {
	files := map[string][]byte{}

	// Rows by key; a key's file is named by its first character, like the app's.
	byKey := map[string][]int{}
	for i := range g.comps {
		c := &g.comps[i]
		k := g.cmus[c.cmu].id
		byKey[k] = append(byKey[k], i)
		if c.secondKey >= 0 {
			k2 := g.cmus[c.secondKey].id
			byKey[k2] = append(byKey[k2], i)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	byFile := map[string][]string{}
	var fileNames []string
	for _, k := range keys {
		f := ComponentsPrefix + k[:1] + ".json"
		if _, ok := byFile[f]; !ok {
			fileNames = append(fileNames, f)
		}
		byFile[f] = append(byFile[f], k)
	}
	sort.Strings(fileNames)
	for fi, f := range fileNames {
		var b bytes.Buffer
		b.WriteString("{\n")
		for ki, k := range byFile[f] {
			if ki > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(jsonString(k))
			b.WriteString(": [\n")
			rows := byKey[k]
			sort.Slice(rows, func(i, j int) bool { return g.comps[rows[i]].id < g.comps[rows[j]].id })
			for ri, i := range rows {
				if ri > 0 {
					b.WriteString(",\n")
				}
				g.writeRow(&b, &g.comps[i])
			}
			if fi == 0 && ki == 0 {
				writeDeliberateRejects(&b)
			}
			b.WriteString("\n]")
		}
		b.WriteString("\n}\n")
		files[f] = b.Bytes()
	}

	files[CMURowsFile] = g.renderCMURows()
	files[PostcodesFile] = g.renderPostcodes()
	files[ReadmeFile] = []byte(readme)
	return files
}

func (g *generator) writeRow(b *bytes.Buffer, c *component) {
	m := &g.cmus[c.cmu]
	s := &g.sites[c.site]
	class := "null"
	if m.class != "" {
		class = jsonString(m.class)
	}
	b.WriteString(`{"_id": `)
	b.WriteString(strconv.FormatInt(c.id, 10))
	b.WriteString(`, "Auction Name": `)
	b.WriteString(jsonString(AuctionName(c.auction.year, c.auction.typ)))
	b.WriteString(`, "CMU ID": `)
	b.WriteString(jsonString(m.id))
	b.WriteString(`, "Component ID": `)
	b.WriteString(c.componentID)
	b.WriteString(`, "Type": `)
	b.WriteString(jsonString(c.auction.typ))
	b.WriteString(`, "Delivery Year": `)
	b.WriteString(itoa(c.auction.year))
	b.WriteString(`, "Generating Technology Class": `)
	b.WriteString(class)
	b.WriteString(`, "Connection / DSR Capacity": `)
	b.WriteString(c.connection)
	b.WriteString(`, "De-Rated Capacity": `)
	b.WriteString(c.derated)
	b.WriteString(`, "Description of CMU Components": `)
	b.WriteString(jsonString(c.description))
	b.WriteString(`, "Location and Post Code": `)
	b.WriteString(s.location)
	b.WriteString(`, "OS Grid Reference": `)
	b.WriteString(s.gridRef)
	b.WriteString(`, "Company Name": `)
	b.WriteString(jsonString(g.companies[m.company].name))
	b.WriteString(`, "Synthetic": true}`)
}

// writeDeliberateRejects appends the DeliberateRejects malformed rows.
func writeDeliberateRejects(b *bytes.Buffer) {
	b.WriteString(",\n" + `{"_id": 1, "CMU ID": "SYNBAD", "Component ID": "SYNBAD", "Delivery Year": "next year", "Company Name": "MALFORMED ROW (synthetic)", "Synthetic": true}`)
	b.WriteString(",\n" + `{"Company Name": "ROW WITHOUT ANY ID (synthetic)", "Delivery Year": 2024, "Synthetic": true}`)
	b.WriteString(",\n" + `{"_id": 2, "CMU ID": "SYNBAD", "Component ID": "SYNBAD-2", "Delivery Year": 2024, "Company Name": {"name": "an object, not text"}, "Synthetic": true}`)
}

// renderCMURows writes CMU-level rows for one CMU in ten, one per auction, in the
// register's column names, with invented contacts in the contact columns.
func (g *generator) renderCMURows() []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	id := 1
	for ci := range g.cmus {
		if ci%10 != 0 {
			continue
		}
		m := &g.cmus[ci]
		co := &g.companies[m.company]
		for _, a := range m.auctions {
			if id > 1 {
				b.WriteString(",\n")
			}
			parent := jsonString(co.parent)
			if id%10 == 0 {
				parent = "null"
			}
			unitCat, td, fuel, unitType := "Existing Generating CMU", "Distribution", "Gas", "Non CMRS"
			switch m.category {
			case "DSR":
				unitCat, fuel = "Proven DSR CMU", "DSR"
				if id%3 == 0 {
					unitCat = "Unproven DSR CMU"
				}
			case "Battery":
				unitCat, fuel = "New Build Generating CMU", "Storage - Battery"
			case "Gas":
				if id%4 == 0 {
					td, unitType = "Transmission", "CMRS"
				}
			case "CHP":
				fuel = "Gas"
			case "Other":
				fuel = "Other"
				if id%2 == 0 {
					td, unitType = "Transmission", "CMRS"
				}
			}
			derated := "null"
			if id%3 != 0 {
				derated = megawatts(1000 + (id*7919)%90000)
			}
			b.WriteString(`{"_id": ` + itoa(id))
			b.WriteString(`, "Auction Name": ` + jsonString(AuctionName(a.year, a.typ)))
			b.WriteString(`, "CMU ID": ` + jsonString(m.id))
			b.WriteString(`, "Type": ` + jsonString(a.typ))
			b.WriteString(`, "Auction": "Capacity Auction"`)
			b.WriteString(`, "Delivery Year": ` + itoa(a.year))
			b.WriteString(`, "Name of Applicant": ` + jsonString(co.name))
			b.WriteString(`, "Agent Name": null`)
			b.WriteString(`, "CM Unit Name": ` + jsonString(m.id))
			b.WriteString(`, "Parent Company": ` + parent)
			b.WriteString(`, "Secondary Trading Contact - Telephone": ` + jsonString("'+44 20 7946 0"+pad3(id%1000)))
			b.WriteString(`, "Secondary Trading Contact - Email": "contact@example.invalid"`)
			b.WriteString(`, "Transmission / Distribution": ` + jsonString(td))
			b.WriteString(`, "CM Unit Type": ` + jsonString(unitType))
			b.WriteString(`, "CM Unit Category": ` + jsonString(unitCat))
			b.WriteString(`, "Primary Fuel Type": ` + jsonString(fuel))
			b.WriteString(`, "Pre-Qualification Decision": "Prequalified"`)
			b.WriteString(`, "Opt Out Status": "Opt-In"`)
			b.WriteString(`, "Connection / DSR Capacity": ` + derated)
			b.WriteString(`, "De-Rated Capacity": ` + derated)
			b.WriteString(`, "Anticipated De-Rated Capacity": ` + derated)
			b.WriteString(`, "Capacity Agreement Awarded": "Yes"`)
			b.WriteString(`, "Synthetic": true}`)
			id++
		}
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// renderPostcodes writes every postcode the sample uses with its WGS84 position.
func (g *generator) renderPostcodes() []byte {
	pcs := make([]string, 0, len(g.postcodes))
	for pc := range g.postcodes {
		pcs = append(pcs, pc)
	}
	sort.Strings(pcs)
	var b bytes.Buffer
	// The synthetic column marks the table itself as invented, so that the
	// bake labels these postcodes synthetic whatever the component rows say.
	b.WriteString("postcode,lat,lng,synthetic\n")
	for _, pc := range pcs {
		en := g.postcodes[pc]
		lat, lng := osgb.ToWGS84(float64(en[0]), float64(en[1]))
		b.WriteString(pc)
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(lat, 'f', 6, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(lng, 'f', 6, 64))
		b.WriteString(",true\n")
	}
	return b.Bytes()
}

func pad3(i int) string {
	s := itoa(i)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	var b []byte
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

const readme = `This directory holds prebake's SYNTHETIC sample register, written by
"prebake sample". It is not real data.

Every company name (suffixed "(synthetic)"), address, CMU ID, postcode inward
code, capacity and contact in it is invented. The towns, their postcode
districts (outcodes) and OSGB36 positions are real, and the technology classes
follow the real register's proportions, so that a bake of it looks and performs
like a bake of the real register. Every component row carries "Synthetic": true
and a bake of it is marked "synthetic": true in manifest.json.

Files:
  synthetic_components_<k>.json     component rows in the web app's cache shape,
                                    { "<CMU ID>": [row, ...] }, split by the key's
                                    first character; some rows repeat under a
                                    second key, and three rows are malformed on
                                    purpose, to exercise de-duplication and
                                    rejection
  synthetic_cmu_register_rows.json  CMU-level register rows for some CMUs, with
                                    invented contacts (example.invalid, 020 7946 0xxx)
  synthetic_postcodes.csv           postcode,lat,lng,synthetic for every postcode used

Regenerate with: prebake sample --out DIR [--seed N] [--components N]
`
