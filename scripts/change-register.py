"""Change 1% of a register's component rows in place, as a register update does.

Usage: python3 scripts/change-register.py DIR

Every 100th component row of DIR/components_*.json (counted across the files
in name order) is edited: its "Description of CMU Components" gains
" (revised)" and a numeric "De-Rated Capacity" grows by 1 (MW). Only the files
holding an edited row are rewritten (json.dump: their formatting changes, their
other rows' values do not); the others keep their bytes. Prints how many rows
were changed of how many; fails (exit 1) when none was (fewer than 100 rows).
Used by scripts/bench-userpath.sh and scripts/bench-speed.sh (issues 31 and
29: "a change to 1% of the register's rows").
"""

import glob
import json
import sys


def main(directory: str) -> None:
    n = changed = 0
    for path in sorted(glob.glob(directory + "/components_*.json")):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        before = changed
        for rows in data.values():
            for row in rows:
                n += 1
                if n % 100 == 0:
                    row["Description of CMU Components"] = (row.get("Description of CMU Components") or "") + " (revised)"
                    if isinstance(row.get("De-Rated Capacity"), (int, float)):
                        row["De-Rated Capacity"] += 1
                    changed += 1
        if changed != before:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(data, f)
    if changed == 0:
        print(f"change-register: {directory}/components_*.json: {n} component rows, none changed (fewer than 100)", file=sys.stderr)
        sys.exit(1)
    print(f"changed {changed} of {n} component rows")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 scripts/change-register.py DIR", file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
