"""Helpers of the cache-backend tests: the test run's shared real bake
(internal/testkit/realbake), a throw-away redis-server, and the app's cache code
restated from its source (daveyboyc/cm-search) and
../shared/docs/app-integration.md, independently of prebake.django.cache.
(Kept out of conftest.py so that the names do not clash with other helpers'.)"""

from __future__ import annotations

import base64
import glob
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, missing, shared_dir


def realbake_dir() -> Path:
    """The test run's shared real bake: $PREBAKE_REALBAKE (make test), else
    `go run ./internal/testkit/realbake/cmd/realbake` (which finds or makes it)."""
    d = os.environ.get("PREBAKE_REALBAKE")
    if not d:
        if not (shared_dir() / "data" / "register").is_dir():
            missing(f"shared data {shared_dir()}/data/register is absent (set PREBAKE_SHARED or check out ../shared)")
        go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else None)
        if go is None:
            missing("go is not installed: it bakes the shared real bake")
        p = subprocess.run([go, "run", "./internal/testkit/realbake/cmd/realbake"], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PREBAKE_SHARED": str(shared_dir())})
        assert p.returncode == 0, "the shared real bake failed:\n" + p.stderr[-4000:]
        d = p.stdout.strip()
        if not d:
            missing("no shared real bake: " + p.stderr.strip())
    return Path(d)


class RedisServer:
    """A redis-server on a Unix socket of its own (no TCP port), no persistence."""

    def __init__(self, tmp: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            missing("redis-server is not installed (scripts/setup-debian.sh installs it)")
        self.sock = tmp / "redis.sock"
        self.proc = subprocess.Popen([exe, "--port", "0", "--unixsocket", str(self.sock), "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        self.client = redis.Redis(unix_socket_path=str(self.sock))
        for _ in range(200):
            try:
                self.client.ping()
                break
            except Exception:
                time.sleep(0.02)
        else:
            raise RuntimeError("redis-server did not start")
        self.url = f"unix://{self.sock}?db=0"

    def keys(self) -> list[bytes]:
        """Every key, by SCAN."""
        return sorted(self.client.scan_iter(count=1000))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# --- the app's rules, restated -------------------------------------------------


def app_normalize(text: Any) -> str:
    """checker/utils.py normalize."""
    if not isinstance(text, str):
        return ""
    return "".join(text.lower().split())


def register_components(register: Path) -> list[dict[str, Any]]:
    """The register's component rows as the app's crawler stores them: files in
    sorted order, the first row of each _id wins (app-integration.md,
    "Running the app locally"); text fields as the bake reads them (trimmed,
    docs/app-contract.md `description-trim`)."""
    first: dict[int, dict[str, Any]] = {}
    for path in sorted(glob.glob(str(register / "components_*.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for rows in data.values():
            for row in rows:
                first.setdefault(row["_id"], row)

    def text(row: dict[str, Any], k: str) -> str | None:
        v = row.get(k)
        return None if v is None else str(v).strip()

    out = []
    for row in first.values():
        y = row.get("Delivery Year")
        out.append({"cmu_id": text(row, "CMU ID"), "company_name": text(row, "Company Name"),
                    "delivery_year": None if y is None else str(y), "auction_name": text(row, "Auction Name")})
    return out


def app_cmu_frame(components: list[dict[str, Any]]):
    """get_cmu_dataframe's frame: Component.objects.values('cmu_id',
    'company_name', 'delivery_year', 'auction_name').distinct() under the
    model's ordering (delivery_year DESC, NULL first in PostgreSQL), ties in the
    order PostgreSQL's sort-based DISTINCT gives (the other columns ascending:
    generators/cmu/README.md), then the app's DataFrame construction."""
    import pandas as pd

    distinct = {(c["cmu_id"], c["company_name"], c["delivery_year"], c["auction_name"]) for c in components}

    def asc(v: str | None) -> tuple[int, str]:  # NULL last ascending, as PostgreSQL
        return (1, "") if v is None else (0, v)

    rows = sorted(distinct, key=lambda r: (asc(r[0]), asc(r[1]), asc(r[3])))
    # Then (stable) delivery_year DESC, NULL first.
    rows = [r for r in rows if r[2] is None] + sorted((r for r in rows if r[2] is not None), key=lambda r: r[2], reverse=True)
    df = pd.DataFrame([{"CMU ID": r[0], "Name of Applicant": r[1], "Full Name": r[1], "Delivery Year": r[2], "Auction Name": r[3]} for r in rows])
    df["Normalized Full Name"] = df["Full Name"].apply(app_normalize)
    df["Normalized CMU ID"] = df["CMU ID"].apply(app_normalize)
    return df


def app_cmu_mapping(df) -> dict[str, str]:
    """get_cmu_dataframe's cmu_to_company_mapping, walking the frame."""
    out = {}
    for _, row in df.iterrows():
        cmu_id = (row.get("CMU ID", "") or "").strip()
        if cmu_id and cmu_id != "N/A":
            out[cmu_id] = row.get("Full Name", "")
    return out


def app_company_list(rows: list[dict[str, Any]], sort_by: str, sort_order: str) -> str:
    """checker/views_lists_optimized.py company_list_optimized's cached value,
    from the SQL's rows (company_name, location_count, component_count,
    total_capacity) in the SQL's ORDER BY total_capacity DESC."""
    companies = [{"company_name": r["company_name"], "company_id": app_normalize(r["company_name"]), "location_count": r["location_count"],
                  "component_count": r["component_count"], "total_capacity": float(r["total_capacity"] or 0)} for r in rows]
    companies.sort(key=lambda x: x["total_capacity"], reverse=True)  # the SQL's ORDER BY
    reverse = sort_order == "desc"
    if sort_by == "name":
        companies.sort(key=lambda x: x["company_name"].lower(), reverse=reverse)
    elif sort_by == "locations":
        companies.sort(key=lambda x: x["location_count"], reverse=reverse)
    elif sort_by == "components":
        companies.sort(key=lambda x: x["component_count"], reverse=reverse)
    else:
        companies.sort(key=lambda x: x["total_capacity"], reverse=reverse)
    return json.dumps(companies[:500])


APP_INTERCONNECTORS = ("BritNED (Netherlands)", "Eleclink (France)", "EWIC (Ireland)", "EWIC (Republic of Ireland)",
                       "Greenlink (Republic of Ireland)", "IFA2 (France)", "IFA (France)", "Moyle (Northern Ireland)",
                       "NEMO (Belgium)", "NeuConnect (Germany)", "NSL (Norway)", "VikingLink (Denmark)")


def app_technology_list(rows: list[dict[str, Any]], sort_by: str, sort_order: str) -> str:
    """technology_list_optimized's cached value from its SQL: individual_techs
    (one row per technologies key) UNION ALL the grouped Interconnector row
    (SUMs of the individual rows of its 12 names), ORDER BY total_capacity DESC."""
    individual = [r for r in rows if not r.get("grouped")]
    grouped = [r for r in individual if r["technology"] in APP_INTERCONNECTORS]
    sql = [(r["technology"], r["location_count"], r["component_count"], r["total_capacity"]) for r in individual]
    sql.append(("Interconnector", sum(r["location_count"] for r in grouped) or None, sum(r["component_count"] for r in grouped) or None,
                sum(r["total_capacity"] for r in grouped) if grouped else None))
    technologies = [{"technology": t, "location_count": int(lc or 0), "component_count": int(cc or 0), "total_capacity": float(tc or 0)} for t, lc, cc, tc in sql]
    technologies.sort(key=lambda x: x["total_capacity"], reverse=True)
    reverse = sort_order == "desc"
    if sort_by == "locations":
        technologies.sort(key=lambda x: x["location_count"], reverse=reverse)
    elif sort_by == "components":
        technologies.sort(key=lambda x: x["component_count"], reverse=reverse)
    else:
        technologies.sort(key=lambda x: x["total_capacity"], reverse=reverse)
    return json.dumps(technologies[:200])


def md5(s: str) -> str:
    return hashlib.md5(s.encode("utf-8")).hexdigest()


def encode_frame(df) -> str:
    """What get_cmu_dataframe stores."""
    return base64.b64encode(pickle.dumps(df)).decode("utf-8")


def decode_frame(value: Any):
    """What get_cmu_dataframe does with what it gets."""
    return pickle.loads(base64.b64decode(value))


@pytest.fixture(scope="session")
def realbake() -> Path:
    return realbake_dir()
