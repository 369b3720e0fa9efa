package changes

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Empty reports whether the changelog lists no change at all.
func (c *Changelog) Empty() bool {
	s := c.Summary
	return s.Touched == 0 && s.CMUsAdded+s.CMUsRemoved+s.CMUsChanged == 0
}

// Marshal encodes c as changes/latest.json is written: two-space indent, no
// HTML escaping, a trailing newline; every list in its documented order, so
// equal inputs give equal bytes.
func (c *Changelog) Marshal() ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// WriteText prints c for a CI log: a summary line, then one line per
// component and CMU added (+), removed (-), changed (~) and moved (>), then
// the rollups.
func (c *Changelog) WriteText(w io.Writer) error {
	old := "nothing"
	if c.OldBuildID != nil {
		old = *c.OldBuildID
	}
	s := c.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "build %s -> %s\n", old, c.NewBuildID)
	if c.AgainstNothing {
		fmt.Fprintf(&b, "against nothing: %s\n", c.Note)
	}
	fmt.Fprintf(&b, "components %d -> %d: %d added, %d removed, %d changed, %d moved (%d touched, %.2f%%)\n",
		s.OldComponents, s.NewComponents, s.Added, s.Removed, s.Changed, s.Moved, s.Touched, 100*s.TouchedFraction)
	fmt.Fprintf(&b, "CMUs: %d added, %d removed, %d changed\n", s.CMUsAdded, s.CMUsRemoved, s.CMUsChanged)
	for _, e := range c.Components.Added {
		fmt.Fprintf(&b, "+ component %s\n", describe(&e))
	}
	for _, e := range c.Components.Removed {
		fmt.Fprintf(&b, "- component %s\n", describe(&e))
	}
	for _, e := range c.Components.Changed {
		fmt.Fprintf(&b, "~ component %s: %s\n", describe(&e), fields(e.Fields))
	}
	for _, m := range c.Components.Moved {
		dist := "-"
		if m.DistanceM != nil {
			dist = strconv.FormatFloat(*m.DistanceM, 'f', 1, 64) + " m"
		}
		fmt.Fprintf(&b, "> component %d (%s, CMU %s, %s): %s -> %s, %s (%s; %s -> %s; %s -> %s)\n", m.ID, m.ComponentID, m.CMUID, quote(m.Company),
			pos(m.Old), pos(m.New), dist, m.Reason, orDash(m.OldGeo), orDash(m.NewGeo), m.OldRegion, m.NewRegion)
	}
	for _, e := range c.CMUs.Added {
		fmt.Fprintf(&b, "+ CMU %s (%s, %d components)\n", e.CMUID, quote(e.Company), e.Components)
	}
	for _, e := range c.CMUs.Removed {
		fmt.Fprintf(&b, "- CMU %s (%s, %d components)\n", e.CMUID, quote(e.Company), e.Components)
	}
	for _, e := range c.CMUs.Changed {
		fmt.Fprintf(&b, "~ CMU %s (%s): %s\n", e.CMUID, quote(e.Company), fields(e.Fields))
	}
	for _, k := range RollupKeys {
		rolls := c.Rollups[k]
		if len(rolls) == 0 {
			continue
		}
		label := k
		if k == "region" {
			label = "region (" + c.RegionKind + ")"
		}
		fmt.Fprintf(&b, "by %s:\n", label)
		for _, r := range rolls {
			fmt.Fprintf(&b, "  %-40s +%d -%d ~%d >%d  %+.3f MW\n", r.Key, r.Added, r.Removed, r.Changed, r.Moved, r.DeratedMWNet)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func describe(e *Entry) string {
	year := "-"
	if e.DeliveryYear != nil {
		year = strconv.FormatInt(*e.DeliveryYear, 10)
	}
	capacity := "-"
	if e.DeratedMW != nil {
		capacity = strconv.FormatFloat(*e.DeratedMW, 'f', -1, 64) + " MW"
	}
	return fmt.Sprintf("%d (%s, CMU %s, %s, %s, %s, %s, %s)", e.ID, e.ComponentID, e.CMUID, quote(e.Company), e.Category, year, capacity, e.Region)
}

func fields(fs []FieldChange) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Field + " " + value(f.Old) + " -> " + value(f.New)
	}
	return strings.Join(parts, "; ")
}

func value(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func quote(s string) string { return strconv.Quote(s) }

func pos(p *Position) string {
	if p == nil {
		return "unlocated"
	}
	return strconv.FormatFloat(p.Lat, 'f', 6, 64) + "," + strconv.FormatFloat(p.Lng, 'f', 6, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
