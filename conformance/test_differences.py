"""Every remaining deliberate difference in docs/app-contract.md, recomputed on
the real register: the table must state each count as it is."""

import os
import re

from bakefiles import ROOT, asset
import appcontract as app
from prebake import rules


def doc_table():
    with open(os.path.join(ROOT, "docs", "app-contract.md"), encoding="utf-8") as f:
        text = f.read()
    # This suite's table only: the cache backend's and the views' sections have
    # tables of the same shape, recomputed by their own tests.
    text = text.split("## Remaining deliberate differences", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `([a-z-]+)` \|[^|]*\| (\d+) \|", text, re.M)}


def test_difference_table_is_current(bake, register):
    groups = app.location_groups(register)
    spellings = {}
    for c in register:
        if c.company:
            spellings.setdefault(app.normalize(c.company), set()).add(c.company)

    def tech_tie(g):
        ps = [app.PRIORITY.get(k, 999) for k in g["technologies"]]
        return bool(ps) and ps.count(min(ps)) > 1

    def company_tie(g):
        n = list(g["companies"].values())
        return len(n) > 1 and n[0] == n[1]

    opts = asset(bake, "locations/filter_options.json")
    techs = opts["technologies"]
    got = {
        "unlocated": sum(c.lat is None for c in register),
        "no-location-text": sum(not c.location for c in register),
        "null-class": sum(not c.technology for c in register),
        "groups-without-position": sum(g["position"] is None for g in groups.values()),
        "group-ids": len(groups),
        "top-component-ids": len(asset(bake, "cmu/statistics.json")["top_components_capacity"]),
        "company-spellings": sum(len(v) > 1 for v in spellings.values()),
        "credited-capacity": sum(abs(r["total_capacity"] - r["own_capacity"]) > 0.0005
                                 for r in asset(bake, "locations/company_list.json")),
        "company-ties": sum(company_tie(g) for g in groups.values()),
        "tech-ties": sum(tech_tie(g) for g in groups.values()),
        "description-order": sum(len({c.description for c in g["members"] if c.description}) > 3 for g in groups.values()),
        "description-trim": _untrimmed_descriptions(),
        "collation": sum(a != b for a, b in zip(sorted(techs), sorted(techs, key=str.casefold))),
        "default-exclusion": sum(1 for c in register if c.lat is not None
                                 and c.company.upper() in rules.RESIDENTIAL_COMPANIES.values()),
        "category-keywords": len([t for t in {c.technology for c in register} if app.simplified(t) != app.simplified_substring(t)]),
    }
    assert got == doc_table()


def _untrimmed_descriptions():
    # Component.description is stripped as prebake's reader strips it; count the raw rows.
    from bakefiles import register_rows
    first, _ = register_rows()
    return sum(1 for _, _, r in first.values()
               if isinstance(r.get("Description of CMU Components"), str)
               and r["Description of CMU Components"] != r["Description of CMU Components"].strip())
