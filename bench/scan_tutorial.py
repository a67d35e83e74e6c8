#!/usr/bin/env python3
"""The public tutorial's CPython loop over a parquet file: the scan bench's baseline.

    python3 bench/scan_tutorial.py FILE                 the four headline numbers of FILE, one JSON line
    python3 bench/scan_tutorial.py --check REPO_ROOT    check the copy of seed() below against the repository

pyarrow reads the file in 1,000-row batches (the `conversations` column only: the tutorial's numbers need
nothing else, so CPython is spared the other columns' conversion), each row goes through `seed()`, the
tutorial's per-row code as bench/tutorial_seed.py transcribes it (regexes, json.loads of every call and of
every tool message's first <tool_response>, json.dumps; the same code writes the fixtures' reference numbers in
test/fixtures/make_rows.py). `--check .` checks that it reproduces every test/fixtures/rows/*.seed.json; exit 1
on any difference.

Output: rows, the sums the means come from (messages, regex tool calls, rows flagged by the error heuristic)
and the headline numbers avgTurns, avgToolCalls, pctWithError computed as docs/metrics.md defines them.
"""

import json, os, sys

from tutorial_seed import seed


def check(root: str) -> int:
    """seed() reproduces every committed fixture seed (test/fixtures/rows/*.seed.json)."""
    directory = os.path.join(root, "test/fixtures/rows")
    names = sorted(f[: -len(".row.json")] for f in os.listdir(directory) if f.endswith(".row.json"))
    if not names:
        print(f"no *.row.json in {directory}", file=sys.stderr)
        return 1
    bad = []
    for name in names:
        with open(os.path.join(directory, name + ".row.json"), encoding="utf-8") as f:
            row = json.load(f)
        with open(os.path.join(directory, name + ".seed.json"), encoding="utf-8") as f:
            want = json.load(f)
        if seed(row) != want:
            bad.append(name)
    print(json.dumps({"fixtures": len(names), "differ": bad}))
    return 0 if not bad else 1


def scan(path: str) -> dict:
    import pyarrow.parquet as pq

    rows = messages = calls = error_rows = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1000, columns=["conversations"]):
        for r in batch.to_pylist():
            s = seed(r)
            rows += 1
            messages += s["turns"]
            calls += len(s["toolCalls"])
            error_rows += s["hasError"]
    return {
        "rows": rows,
        "messages": messages,
        "toolCalls": calls,
        "seedErrorRows": error_rows,
        "avgTurns": messages / rows if rows else 0,
        "avgToolCalls": calls / rows if rows else 0,
        "pctWithError": 100 * error_rows / rows if rows else 0,
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print(json.dumps(scan(sys.argv[1])))
