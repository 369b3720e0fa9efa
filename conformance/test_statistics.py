"""statistics_page_data, the company index and the categories."""

import json
import os

from bakefiles import REGISTER, asset, components_table, register_rows
import appcontract as app


def test_statistics_match_the_app(bake, register):
    got = asset(bake, "cmu/statistics.json")
    want = app.statistics(register)
    for k, rows in want.items():
        if k == "summary":
            assert {f: got[k][f] for f in rows} == rows
            continue
        assert [{f: r[f] for f in w} for r, w in zip(got[k], rows)] == rows, k
        assert len(got[k]) == len(rows), k
    assert all(r["technology"] for r in got["tech_by_count"] + got["tech_by_capacity"]), "a null technology is listed"


def test_company_index_keyed_by_company_id(bake, register):
    """Keys are company_id = normalize(name) of every company name of the
    components and of the CMU register's applicants (the CMU frame's names)."""
    idx = asset(bake, "cmu/company_index.json")
    names = {}
    for c in register:
        if c.company:
            # the component's own spelling, and the CMU frame's (white space collapsed)
            names.setdefault(app.normalize(c.company), set()).update({c.company, " ".join(c.company.split())})
    with open(os.path.join(REGISTER, "cmu_register_rows.json"), encoding="utf-8") as f:
        cmu_rows = json.load(f)
    for r in (cmu_rows if isinstance(cmu_rows, list) else cmu_rows.get("records", [])):
        name = (r.get("Name of Applicant") or "").strip()
        if name and (r.get("CMU ID") or "").strip():
            names.setdefault(app.normalize(name), set()).add(" ".join(name.split()))
    assert set(idx) == set(names)
    for cid, e in idx.items():
        assert e["normalized_name"] == cid
        assert e["url"] == app.company_url(cid)
        assert e["company_name"] in names[cid] and set(e["company_names"]) == names[cid]
        assert all(isinstance(y, str) for y in e["years"]) and e["years"] == sorted(e["years"], reverse=True)
    counts = {}
    for c in register:
        if c.company:
            counts[app.normalize(c.company)] = counts.get(app.normalize(c.company), 0) + 1
    assert {k: e["num_components"] for k, e in idx.items() if e["num_components"]} == counts


def test_categories_whole_words(bake, register):
    table = components_table(bake)
    bad = [c.id for c in register if table[c.id]["category"] != app.simplified(c.technology)]
    assert not bad
    assert app.simplified("Unsleeved generation") == "Other"
    assert (app.simplified("Biogas engine"), app.simplified_substring("Biogas engine")) == ("Other", "Gas")
    # On today's real classes whole words and the app's substrings agree.
    assert [t for t in {c.technology for c in register} if app.simplified(t) != app.simplified_substring(t)] == []


def test_report_lists_differing_duplicates(bake):
    first, repeats = register_rows()
    fields = ["Component ID", "CMU ID", "Company Name", "Generating Technology Class", "Delivery Year", "Auction Name",
              "Type", "De-Rated Capacity", "Connection / DSR Capacity", "Description of CMU Components",
              "Location and Post Code", "OS Grid Reference"]

    def norm(v):
        return None if v is None else (v.strip() if isinstance(v, str) and not v.strip() == "" else v)

    want = {}
    for path, n, row in repeats:
        kp, kn, kept = first[row["_id"]]
        diff = [f for f in fields if (kept.get(f) if f == "Location and Post Code" else norm(kept.get(f)))
                != (row.get(f) if f == "Location and Post Code" else norm(row.get(f)))]
        if diff:
            want[(path, n)] = (kp, kn, diff)
    got = {(line["file"], line["row"]): line for line in bake["report"] if line["status"] == "duplicate_differs"}
    assert set(got) == set(want)
    for k, (kp, kn, diff) in want.items():
        assert (got[k]["kept_file"], got[k]["kept_row"]) == (kp, kn)
        assert sorted(got[k]["kept"]) == sorted(diff)
        assert got[k]["reason"] == "first_read_wins"
    assert bake["summary"]["duplicates_differing"] == len(want)
