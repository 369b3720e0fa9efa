# Prints the size in bytes of base64(pickle.dumps(DataFrame)) for a JSON records
# file (an array of objects), which is how the app stores its CMU dataframe in
# Redis (cmu_dataframe_v1). Used by the Go tests and scripts/bench-cmu.sh; run
# with Debian's /usr/bin/python3 and python3-pandas.
import base64
import json
import pickle
import sys

import pandas as pd

with open(sys.argv[1], encoding="utf-8") as f:
    df = pd.DataFrame(json.load(f))
print(len(base64.b64encode(pickle.dumps(df))), len(df))
