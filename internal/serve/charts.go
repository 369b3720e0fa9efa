package serve

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Charts are inline SVG written here rather than a charting library: the report
// is one server-rendered page with no scripts, and bars are a few rectangles.

const (
	colorNow  = "#2c7be5"
	colorPrev = "#b8c2cc"
)

// Series colours for stacked and grouped bars.
var seriesColors = []string{"#2c7be5", "#e67e22", "#c0392b", "#16a085", "#8e44ad"}

func svgText(x, y float64, anchor, cls, s string) string {
	return fmt.Sprintf(`<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, cls, html.EscapeString(s))
}

// svgOpen starts a chart of w x h pixels.
func svgOpen(sb *strings.Builder, title string, w, h float64) {
	fmt.Fprintf(sb, `<svg class="chart" role="img" aria-label="%s" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">`,
		html.EscapeString(title), w, h, w, h)
}

// barsMax is the largest value or previous value of the bars (1 when all are 0),
// the full length of a bar.
func barsMax(bars []Bar) float64 {
	maxV := 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
		if b.Prev != nil {
			maxV = math.Max(maxV, *b.Prev)
		}
	}
	if maxV == 0 {
		return 1
	}
	return maxV
}

// hbarChart draws one horizontal bar per label, with the previous bake's value
// as a thin grey bar beneath it when known.
func hbarChart(title string, bars []Bar) template.HTML {
	if len(bars) == 0 {
		return template.HTML(`<p class="muted">` + html.EscapeString(title) + `: none</p>`)
	}
	const labelW, barW, valW, rowH = 210.0, 360.0, 110.0, 24.0
	maxV := barsMax(bars)
	var sb strings.Builder
	svgOpen(&sb, title, labelW+barW+valW, rowH*float64(len(bars))+8)
	for i, b := range bars {
		y := float64(i)*rowH + 4
		sb.WriteString(svgText(labelW-6, y+13, "end", "label", b.Label))
		fmt.Fprintf(&sb, `<rect class="bar now" x="%.1f" y="%.1f" width="%.1f" height="13" fill="%s"><title>%s: %s</title></rect>`,
			labelW, y+2, barW*b.Value/maxV, colorNow, html.EscapeString(b.Label), num(b.Value))
		val := num(b.Value)
		if b.Prev != nil {
			fmt.Fprintf(&sb, `<rect class="bar prev" x="%.1f" y="%.1f" width="%.1f" height="4" fill="%s"><title>previous: %s</title></rect>`,
				labelW, y+16, barW*(*b.Prev)/maxV, colorPrev, num(*b.Prev))
			val += " " + delta(b.Value, *b.Prev)
		}
		sb.WriteString(svgText(labelW+barW*b.Value/maxV+4, y+13, "start", "value", val))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// columnChart draws one column per label (years), the previous bake's value as
// an outline behind it.
func columnChart(title string, bars []Bar) template.HTML {
	if len(bars) == 0 {
		return template.HTML(`<p class="muted">` + html.EscapeString(title) + `: none</p>`)
	}
	const colW, plotH, top, bottom = 44.0, 180.0, 18.0, 22.0
	maxV := barsMax(bars)
	var sb strings.Builder
	svgOpen(&sb, title, colW*float64(len(bars))+10, top+plotH+bottom)
	for i, b := range bars {
		x := float64(i)*colW + 5
		if b.Prev != nil {
			ph := plotH * *b.Prev / maxV
			fmt.Fprintf(&sb, `<rect class="bar prev" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="%s" stroke-width="2"><title>previous: %s</title></rect>`,
				x+2, top+plotH-ph, colW-8, ph, colorPrev, num(*b.Prev))
		}
		bh := plotH * b.Value / maxV
		fmt.Fprintf(&sb, `<rect class="bar now" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			x+6, top+plotH-bh, colW-16, bh, colorNow, html.EscapeString(b.Label), num(b.Value))
		sb.WriteString(svgText(x+colW/2-1, top+plotH-bh-4, "middle", "value small", num(b.Value)))
		sb.WriteString(svgText(x+colW/2-1, top+plotH+15, "middle", "label", b.Label))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// stackRow is one row of a stacked or grouped chart; Text, when set, is
// printed after the bar instead of its total.
type stackRow struct {
	Label  string
	Values []float64
	Text   string
}

// stackChart draws one horizontal bar per row, split into the series
// (stacked), or one thin bar per series (grouped). With perRow every row has
// its own scale, its total (stacked) or largest value (grouped) the full
// width: for rows of very different sizes, where one axis would leave all but
// the largest a pixel wide (a register file of 4 rows beside a postcode table
// of 1.7 million); the bars then show shares within a row, and the figures
// are in the text.
func stackChart(title string, series []string, rows []stackRow, grouped, perRow bool) template.HTML {
	const labelW, barW, valW = 330.0, 360.0, 230.0
	rowH := 24.0
	if grouped {
		rowH = 8*float64(len(series)) + 10
	}
	scale := func(r stackRow) float64 {
		t := 0.0
		for _, v := range r.Values {
			if grouped {
				t = math.Max(t, v)
			} else {
				t += v
			}
		}
		return t
	}
	maxV := 0.0
	for _, r := range rows {
		maxV = math.Max(maxV, scale(r))
	}
	var sb strings.Builder
	svgOpen(&sb, title, labelW+barW+valW, rowH*float64(len(rows))+26)
	for i, s := range series { // legend
		x := labelW + float64(i)*90
		fmt.Fprintf(&sb, `<rect x="%.1f" y="4" width="10" height="10" fill="%s"/>`, x, seriesColors[i%len(seriesColors)])
		sb.WriteString(svgText(x+14, 13, "start", "label", s))
	}
	for i, r := range rows {
		y := float64(i)*rowH + 24
		sb.WriteString(svgText(labelW-6, y+13, "end", "label", r.Label))
		x := labelW
		total := 0.0
		rowMax := maxV
		if perRow {
			rowMax = scale(r)
		}
		if rowMax == 0 {
			rowMax = 1
		}
		for j, v := range r.Values {
			wv := barW * v / rowMax
			if grouped {
				fmt.Fprintf(&sb, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="7" fill="%s"><title>%s %s: %s</title></rect>`,
					labelW, y+float64(j)*8, wv, seriesColors[j%len(seriesColors)], html.EscapeString(r.Label), series[j], num(v))
				total = math.Max(total, v)
			} else {
				fmt.Fprintf(&sb, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="15" fill="%s"><title>%s %s: %s</title></rect>`,
					x, y+2, wv, seriesColors[j%len(seriesColors)], html.EscapeString(r.Label), series[j], num(v))
				x += wv
				total += v
			}
		}
		label := num(total)
		if grouped {
			label = bytesText(total)
		}
		if r.Text != "" {
			label = r.Text
		}
		sb.WriteString(svgText(labelW+barW*total/rowMax+4, y+13, "start", "value", label))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// num prints a count without decimals, a measure (MW) with up to three.
func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// delta prints the change from the previous bake: "(+12)", "(−3)", "(=)".
func delta(now, prev float64) string {
	switch d := now - prev; {
	case d > 0:
		return "(+" + num(d) + ")"
	case d < 0:
		return "(−" + num(-d) + ")"
	}
	return "(=)"
}

// bytesText prints a byte count in binary units.
func bytesText(v float64) string {
	switch {
	case v >= 1<<30:
		return fmt.Sprintf("%.2f GiB", v/(1<<30))
	case v >= 1<<20:
		return fmt.Sprintf("%.2f MiB", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}
