package maptiles

import (
	"strings"
	"testing"

	"github.com/prebake/prebake/internal/apprules"
)

// TestResidentialFollowsAppRules: the attribute files' residential flag marks
// exactly app_rules.json's residential_companies (exact names).
func TestResidentialFollowsAppRules(t *testing.T) {
	for subtype, c := range apprules.App.ResidentialCompanies {
		if !isResidential(c) {
			t.Errorf("%s (%s): not residential", c, subtype)
		}
		if isResidential(strings.ToLower(c)) || isResidential(c+" ") {
			t.Errorf("%s: a near name counts as residential", c)
		}
	}
	if isResidential("EDF ENERGY LIMITED") || len(ResidentialCompanies) != len(apprules.App.ResidentialCompanies) {
		t.Errorf("residential companies %q", ResidentialCompanies)
	}
}
