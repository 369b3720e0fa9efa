package record

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/apprules"
)

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

// exactCategory is the app's TECHNOLOGY_MAPPING (checker/views.py,
// get_simplified_technology): exact, case-sensitive class names, tried first
// (app_rules.json category_exact).
var exactCategory = func() map[string]Category {
	m := map[string]Category{}
	for class, c := range apprules.App.CategoryExact {
		m[class] = Category(c)
	}
	return m
}()

// keywordCategory is the app's KEYWORD_MAPPING, tried in this order on the
// lower-cased class when no exact name matches (app_rules.json
// category_keywords). Unlike the app (a substring test), a keyword must be a
// whole word (app-integration.md: "Unsleeved generation" is not an
// interconnector, nor "Gaseous ..." gas).
var keywordCategory = apprules.App.CategoryKeywords

// Categorize is the app's get_simplified_technology with whole-word keywords:
// the exact (case-sensitive) class names first, then the keywords in order,
// else Other; an empty (null) or blank class is Unknown.
func Categorize(techClass string) Category {
	if strings.TrimSpace(techClass) == "" {
		return Unknown
	}
	if c, ok := exactCategory[techClass]; ok {
		return c
	}
	t := strings.ToLower(techClass)
	for _, k := range keywordCategory {
		if containsWord(t, k.Keyword) {
			return Category(k.Category)
		}
	}
	return Other
}

// containsWord reports whether w occurs in s with no letter or digit directly
// before or after it.
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if !wordRuneBefore(s, start) && !wordRuneAt(s, end) {
			return true
		}
		i = start + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

func wordRuneBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && isWordRune(r)
}

func wordRuneAt(s string, i int) bool {
	for _, r := range s[i:] {
		return isWordRune(r)
	}
	return false
}
