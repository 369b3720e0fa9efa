package locations

import (
	"maps"
	"testing"

	"github.com/prebake/prebake/internal/record"
	"github.com/prebake/prebake/internal/testkit/dataset"
)

// activeTextsByGroups is ActiveTexts as it was: every group built and its
// attributes taken, IsActive read off them.
func activeTextsByGroups(comps []record.Component) map[string]bool {
	out := map[string]bool{}
	for _, g := range buildGroups(comps) {
		if g.attributes().IsActive {
			out[g.text] = true
		}
	}
	return out
}

// TestActiveTextsMatchesGroups: ActiveTexts, which builds no groups, gives the
// texts whose groups' attributes say IsActive, on the synthetic sample and on
// groups made to tell the rule apart: more than 5 distinct auction names with
// the active one among the 5 greatest or just below them, repeated and empty
// names, members out of ID order, and texts that make no group.
func TestActiveTextsMatchesGroups(t *testing.T) {
	ds := dataset.Sample(t, 0)
	if want := activeTextsByGroups(ds.Components); len(want) == 0 {
		t.Fatal("the sample has no active group: the comparison would prove little")
	} else if got := ActiveTexts(ds.Components); !maps.Equal(got, want) {
		t.Errorf("sample: %d active texts, want %d", len(got), len(want))
	}

	var comps []record.Component
	id := int64(1000)
	add := func(text string, auctions ...string) {
		for _, a := range auctions {
			id -= 7 // descending ids: members come out of ID order
			comps = append(comps, record.Component{ID: id, LocationText: text, AuctionName: a})
		}
	}
	// "2024-25" is active (app_rules.json); the T-4 names sort by year.
	add("Six names, active greatest", "2018-19 (T-4) Four Year Ahead Capacity Auction", "2019-20 (T-4) Four Year Ahead Capacity Auction",
		"2020-21 (T-4) Four Year Ahead Capacity Auction", "2021-22 (T-4) Four Year Ahead Capacity Auction",
		"2022-23 (T-4) Four Year Ahead Capacity Auction", "2024-25 (T-4) Four Year Ahead Capacity Auction")
	add("Active name sixth greatest", "2024-25 (T-4) Four Year Ahead Capacity Auction", "3020-21 (T-4) x", "3021-22 (T-4) x",
		"3022-23 (T-4) x", "3023-24 (T-4) x", "3025-26 (T-4) x")
	add("Active name fifth greatest", "2024-25 (T-4) Four Year Ahead Capacity Auction", "3020-21 (T-4) x", "3021-22 (T-4) x",
		"3022-23 (T-4) x", "3023-24 (T-4) x", "3023-24 (T-4) x", "")
	add("Only empty names", "", "")
	add("TBC", "2024-25 (T-4) Four Year Ahead Capacity Auction")
	add("N/A", "2024-25 (T-4) Four Year Ahead Capacity Auction")
	add("", "2024-25 (T-4) Four Year Ahead Capacity Auction")
	add("Historical only", "2017-18 (T-4) Four Year Ahead Capacity Auction", "2017-18 (T-4) Four Year Ahead Capacity Auction")
	want := activeTextsByGroups(comps)
	for _, text := range []string{"Six names, active greatest", "Active name fifth greatest"} {
		if !want[text] {
			t.Fatalf("the groups' rule does not make %q active: the case does not test what it says", text)
		}
	}
	if want["Active name sixth greatest"] {
		t.Fatal(`the groups' rule makes "Active name sixth greatest" active: the case does not test what it says`)
	}
	if got := ActiveTexts(comps); !maps.Equal(got, want) {
		t.Errorf("crafted groups: got %v, want %v", got, want)
	}
}
