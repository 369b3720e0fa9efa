package postcode

import (
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"wf11 8ab", "WF11 8AB", true},
		{"WF118AB", "WF11 8AB", true},
		{"  ca15   8es ", "CA15 8ES", true},
		{"AB1  0AA", "AB1 0AA", true}, // ONSPD pcd8 spacing
		{"M1 1AE", "M1 1AE", true},    // A9
		{"B33 8TH", "B33 8TH", true},  // A99
		{"CR2 6XH", "CR2 6XH", true},  // AA9
		{"DN55 1PT", "DN55 1PT", true},
		{"W1A 0AX", "W1A 0AX", true},   // A9A
		{"EC1A 1BB", "EC1A 1BB", true}, // AA9A
		{"SW1W 0NY", "SW1W 0NY", true},
		{"BT1 1AA", "BT1 1AA", true}, // Northern Ireland: a real postcode, outside GB
		{"", "", false},
		{"WF11", "", false},
		{"WF11 8", "", false},
		{"WF11 8ABC", "", false},
		{"QQ1 1AA", "", false},    // no such area
		{"A6 3RD", "", false},     // road number, area A does not exist
		{"SE 473 250", "", false}, // grid reference
		{"SO16 OYE", "", false},   // letter O for zero: Normalize does not correct
		{"S032 2PG", "", false},
		{"WF11 8CB", "", false}, // C never in the inward code
		{"W1I 0AX", "", false},  // I not allowed in A9A
		{"EC1C 1BB", "", false}, // C not allowed in AA9A
		{"WF11-8AB", "", false},
		{"12345", "", false},
		{"WF11 8ÄB", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := Normalize(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestOutcodeSector(t *testing.T) {
	cases := []struct{ in, outcode, sector string }{
		{"WF11 8AB", "WF11", "WF11 8"},
		{"wf118ab", "WF11", "WF11 8"},
		{"M1 1AE", "M1", "M1 1"},
		{"EC1A 1BB", "EC1A", "EC1A 1"},
		{"nonsense", "", ""},
	}
	for _, tc := range cases {
		if got := Outcode(tc.in); got != tc.outcode {
			t.Errorf("Outcode(%q) = %q, want %q", tc.in, got, tc.outcode)
		}
		if got := Sector(tc.in); got != tc.sector {
			t.Errorf("Sector(%q) = %q, want %q", tc.in, got, tc.sector)
		}
	}
	for in, want := range map[string]string{"wf118": "WF11 8", "WF11 8": "WF11 8", "M1 1": "M1 1", "WF11": "WF1 1", "WF1 18": "", "WF": "", "SE 4": ""} {
		if got, _ := NormalizeSector(in); got != want {
			t.Errorf("NormalizeSector(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"wf11": "WF11", "EC1A": "EC1A", "W1A": "W1A", "SE": "", "WF111": "", "A6": ""} {
		if got, _ := NormalizeOutcode(in); got != want {
			t.Errorf("NormalizeOutcode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsNoLocation(t *testing.T) {
	yes := []string{"", "  ", "null", "NULL", "N/A", "n/a.", "NA", "TBC", "TBD", "To be Determined", "To be confirmed",
		"provided after auction", "Location to be provided after auction", "Component has yet to be\u00a0procurred",
		"Component has yet to be procured.", "To be confirmed once CMU components are known", "not known",
		"to be provided once CMU Components are known", "Component has yet to be procured/allocated", "Ilya to confirm"}
	no := []string{"Leeds LS10", "CA15 8ES", "To be confirmed, near LS10 1AB", "Nashville", "Napton", "Knot Known Farm", "Land adjacent to Berryburn Substation Moray"}
	for _, s := range yes {
		if !IsNoLocation(s) {
			t.Errorf("IsNoLocation(%q) = false, want true", s)
		}
	}
	for _, s := range no {
		if IsNoLocation(s) {
			t.Errorf("IsNoLocation(%q) = true, want false", s)
		}
	}
}

func TestExtract(t *testing.T) {
	cases := []struct {
		in, postcode, outcode string
	}{
		{"Land to the south of Edinburgh Rd, Maryport, Cumbria, CA15 8ES.", "CA15 8ES", "CA15"},
		{"Land to the south of Edinburgh Rd, Maryport, Cumbria, CA158ES", "CA15 8ES", "CA15"},
		{"Marshall Road, Plympton, Plymouth, PL7 4NW", "PL7 4NW", "PL7"},
		{"SIMEC Lochaber Power\nLochaber Smelter\nNorth Road\nFort William\nPH336TH", "PH33 6TH", "PH33"},
		{"Cavendish Rd\nStevenage\nSG1 2ET\nUK", "SG1 2ET", "SG1"},
		{"Makin Metals, Buckley Road, Rochdale, Lancashire, OL 12 9DT, United Kingdom", "OL12 9DT", "OL12"},
		{"Mill Lane\nNursling\nSouthampton\nSO16 OYE", "SO16 0YE", "SO16"},
		{"Soberton, Southampton, S032 2PG", "SO32 2PG", "SO32"},
		{"(ec1a 1bb)", "EC1A 1BB", "EC1A"},
		{"Unit 4, 12 High St, Leeds LS10 1AB; site SE 473 250", "LS10 1AB", "LS10"},
		{"STREET LANE LEEDS LS17", "", "LS17"},
		{"Homewaters Avenue, Sunbury-on-Thames, Surrey, TW16", "", "TW16"},
		{"Havant Pumping Station, Brockhampton Road, Havant, Havant, P09 1", "", "PO9"},
		{"West Street, Soberton, Southampton, S032", "", "SO32"},
		{"Eg: BS6", "", "BS6"},
		{"Glen Moriston Power Station, Loch Dundreggan, by Fort Augustus, Inverness-shire, IV3 6YM", "", "IV3"},
		{"Pann Mill (High Wycombe) WTW, London Road, Pann Mill, High Wycombe, United Kingdom, HP11 1N", "", "HP11"},
		{"Audley Street, Blackburn, BB2 3D", "", "BB2"},
		{"Bedhampton Pump Station, Ranelagh Road, Havant, P09 1 NR", "", "PO9"},
		{"Thomlinson Road, Longhill Ind Estate, Hartlepool, England, TS25 1N", "", "TS25"},
		{"Land off Sir William Smith Road, Kirkton Industrial Estate, D11 3RD", "", ""},
		{"Site SE 473 250", "", ""},
		{"Unit 5 Leeds 12", "", ""},
		{"G76", "", "G76"},
		{"Leeds LS10, England", "", "LS10"},
		{"YWA WESTERN, COPLEY STW WAKEFIELD, COPLEY, HALIFAX, WEST YORKSHIRE, HX 0TL", "", ""},
		{"Land near Junction 28 of the M1", "", ""},
		{"Site at SE 473 250", "", ""},
		{"SJ277712", "", ""},
		{"Grid ref NZ 268 238, Darlington", "", ""},
		{"The Yard, Holme Road, Stoney Holme, Burnley", "", ""},
		{"Plot 12 345, Industrial Estate", "", ""},
		{"N/A", "", ""},
		{"To be Determined", "", ""},
		{"", "", ""},
		{"A6 3RD floor", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			pc, oc := Extract(tc.in)
			if pc != tc.postcode || oc != tc.outcode {
				t.Errorf("Extract(%q) = %q, %q; want %q, %q", tc.in, pc, oc, tc.postcode, tc.outcode)
			}
		})
	}
}

// TestMentions: every postcode in a text is a candidate (issue #9), and the
// kinds of text that only look like postcodes are not.
func TestMentions(t *testing.T) {
	u := func(pc string) Mention { return Mention{Postcode: pc, Sector: pc[:len(pc)-2], Outcode: pc[:len(pc)-4]} }
	d := func(oc string) Mention { return Mention{Outcode: oc} }
	sec := func(s string) Mention { return Mention{Sector: s, Outcode: s[:len(s)-2]} }
	cases := []struct {
		in   string
		want []Mention
	}{
		// Several postcodes, in text order, without repeats.
		{"Example Works\nSheffield\nS13 9LT\nBB10 2TN", []Mention{u("S13 9LT"), u("BB10 2TN")}},
		{"TIR John North Road, St Thomas, Swansea, SA1 7BG / SA1 8NZ", []Mention{u("SA1 7BG"), u("SA1 8NZ")}},
		{"Clayhill Farm, Westoning, MK54 5JD (near MK45 5AD)", []Mention{u("MK54 5JD"), u("MK45 5AD")}},
		{"PL5 2EY ... postcode PL5 2EY and PL5 2TT", []Mention{u("PL5 2EY"), u("PL5 2TT")}},
		{"Leeds LS10 1AB, depot LS10", []Mention{u("LS10 1AB")}}, // the trailing district is the unit's
		{"Old site S13 9LT, now Leeds LS11", []Mention{u("S13 9LT"), d("LS11")}},
		// Sector or district alone, at the end.
		{"Water Treatment Works, Farlington, P06 1", []Mention{sec("PO6 1")}},
		{"Audley Street, Blackburn, BB2 3D", []Mention{sec("BB2 3")}},
		{"Bedhampton Pump Station, Havant, P09 1 NR", []Mention{sec("PO9 1")}},
		{"Homewaters Avenue, Sunbury-on-Thames, Surrey, TW16", []Mention{d("TW16")}},
		// Unit, plot and floor labels.
		{"Unit B1 2ND Floor, Example House, Leeds LS11", []Mention{d("LS11")}},
		{"B1 2ND Floor, Example House, Leeds LS11", []Mention{d("LS11")}},
		{"Plot S2 4TH floor, Sheffield S9", []Mention{d("S9")}},
		{"Bay E1 3RD Flr, London", nil},
		{"Unit B1, Leeds LS11 5DJ", []Mention{u("LS11 5DJ")}},
		{"Suite M1 1ST floor, 1 High St, Leeds LS11 5DJ", []Mention{u("LS11 5DJ")}},
		{"Zone P, Asfordby Business Park, Melton Mowbray, LE14 3JL", []Mention{u("LE14 3JL")}},
		{"Manchester M1 1AE", []Mention{u("M1 1AE")}}, // an inward code is not a floor without "floor"
		{"Battery unit LS11 5DJ", []Mention{u("LS11 5DJ")}},
		{"Colwyn Bay LL29 8AA", []Mention{u("LL29 8AA")}},
		{"Cardiff Bay CF10 4PA", []Mention{u("CF10 4PA")}},
		{"Leeds Town Hall LS1 1UR", []Mention{u("LS1 1UR")}},
		// Road numbers.
		{"Junction 28, M1", nil},
		{"Land near J28 M1", nil},
		{"Land near Junction 28 of the M1", nil},
		{"M1 Junction 28", nil},
		{"Depot off the M62", nil},
		{"Services, M6", nil},
		{"Adjacent to A1(M), Doncaster DN6", []Mention{d("DN6")}},
		{"Leeds LS11, near J28 of the M1", []Mention{d("LS11")}},
		{"Doncaster DN6 (A1(M) J38)", []Mention{d("DN6")}},
		{"Piccadilly, Manchester M1", []Mention{d("M1")}},
		{"Trafford Park, near M17 1AB", []Mention{u("M17 1AB")}},
		// Other separators.
		{"Leeds LS11-5DJ", []Mention{u("LS11 5DJ")}},
		{"Leeds LS11 - 5DJ", []Mention{u("LS11 5DJ")}},
		{"Leeds LS11\u20135DJ", []Mention{u("LS11 5DJ")}},
		{"Leeds LS11.5DJ", []Mention{u("LS11 5DJ")}},
		{"LS11_5DJ", []Mention{u("LS11 5DJ")}},
		{"Leeds LS11\u00a05DJ", []Mention{u("LS11 5DJ")}},
		{"Leeds LS11\u202f5DJ", []Mention{u("LS11 5DJ")}},
		{"Leeds LS11--5DJ", nil}, // two marks: not a separator
		{"Leeds LS11, 5DJ", nil}, // a comma separates parts of an address
		{"Leeds LS11\n5DJ", nil}, // so does a new line
		{"Stoke-on-Trent ST4 7QB", []Mention{u("ST4 7QB")}},
		{"N/A", nil},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := Mentions(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Mentions(%q) = %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"WF11 8AB", "wf118ab", "EC1A 1BB", "M1 1AE", "", "SO16 OYE", "\xff\xfe", "AB1  0AA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Normalize(s)
		if !ok {
			if n != "" {
				t.Fatalf("Normalize(%q) = %q with ok=false", s, n)
			}
			return
		}
		n2, ok2 := Normalize(n)
		if !ok2 || n2 != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q, %v", s, n, n2, ok2)
		}
		if Outcode(n)+" "+n[len(n)-3:] != n || Sector(n) != n[:len(n)-2] {
			t.Fatalf("Outcode/Sector inconsistent for %q", n)
		}
		if decode(encode(n)) != n {
			t.Fatalf("key round trip %q -> %q", n, decode(encode(n)))
		}
	})
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"Land to the south of Edinburgh Rd, Maryport, Cumbria, CA15 8ES.", "Leeds LS10", "OL 12 9DT", "P09 1", "N/A", "S032 2PG", "\u00a0\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range Mentions(s) {
			if oc, ok := NormalizeOutcode(m.Outcode); !ok || oc != m.Outcode {
				t.Fatalf("Mentions(%q): outcode %q is not valid", s, m.Outcode)
			}
			if m.Postcode != "" && (Outcode(m.Postcode) != m.Outcode || Sector(m.Postcode) != m.Sector) {
				t.Fatalf("Mentions(%q): %+v inconsistent", s, m)
			}
			if sc, ok := NormalizeSector(m.Sector); m.Sector != "" && (!ok || sc != m.Sector || sc[:len(sc)-2] != m.Outcode) {
				t.Fatalf("Mentions(%q): sector %q of %q invalid", s, m.Sector, m.Outcode)
			}
		}
		pc, oc := Extract(s)
		if pc != "" {
			if n, ok := Normalize(pc); !ok || n != pc {
				t.Fatalf("Extract(%q) postcode %q is not normalized", s, pc)
			}
			if Outcode(pc) != oc {
				t.Fatalf("Extract(%q) = %q, %q: outcode mismatch", s, pc, oc)
			}
		} else if oc != "" {
			if n, ok := NormalizeOutcode(oc); !ok || n != oc {
				t.Fatalf("Extract(%q) outcode %q is not valid", s, oc)
			}
		}
	})
}

func TestKeyOrder(t *testing.T) {
	pcs := []string{"AB1 0AA", "AB10 1AA", "AB1 9ZZ", "B1 1AA", "B10 0AA", "BA1 1AA", "E1 6AN", "EC1A 1BB", "W1A 0AX", "ZE3 9JZ"}
	for i := range pcs {
		for j := range pcs {
			if (pcs[i] < pcs[j]) != (encode(pcs[i]) < encode(pcs[j])) {
				t.Errorf("order of %q and %q not kept by encode", pcs[i], pcs[j])
			}
		}
		if decode(encode(pcs[i])) != pcs[i] {
			t.Errorf("decode(encode(%q)) = %q", pcs[i], decode(encode(pcs[i])))
		}
	}
}
