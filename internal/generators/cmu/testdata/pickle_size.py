# Prints the size in bytes of base64(pickle.dumps(DataFrame)) for a table's JSON
# file (pandas' "split" orientation, {"columns": [...], "data": [[...], ...]}, or
# an older bake's array of records), which is how the app stores its CMU dataframe in
# Redis (cmu_dataframe_v1). Used by the Go tests and scripts/bench-cmu.sh; run
# with Debian's /usr/bin/python3 and python3-pandas.
import base64
import json
import pickle
import sys

import pandas as pd

with open(sys.argv[1], encoding="utf-8") as f:
    table = json.load(f)
df = pd.DataFrame(table["data"], columns=table["columns"]) if isinstance(table, dict) else pd.DataFrame(table)
print(len(base64.b64encode(pickle.dumps(df))), len(df))
