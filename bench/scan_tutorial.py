#!/usr/bin/env python3
"""The public tutorial's CPython loop over a parquet file: the scan bench's baseline.

    python3 bench/scan_tutorial.py FILE                 the four headline numbers of FILE, one JSON line
    python3 bench/scan_tutorial.py --check REPO_ROOT    check the copy of seed() below against the repository

pyarrow reads the file in 1,000-row batches (the `conversations` column only: the tutorial's numbers need
nothing else, so CPython is spared the other columns' conversion), each row goes through `seed()`, the
tutorial's per-row code as test/fixtures/make_rows.py transcribes it (regexes, json.loads of every call and of
every tool message's first <tool_response>, json.dumps). That script cannot be imported (running it rewrites
the fixtures), so `seed()` is copied here character for character. `--check .` checks that the copied lines
appear verbatim in test/fixtures/make_rows.py and that they reproduce every test/fixtures/rows/*.seed.json
(what make_rows.py wrote); exit 1 on any difference.

Output: rows, the sums the means come from (messages, regex tool calls, rows flagged by the error heuristic)
and the headline numbers avgTurns, avgToolCalls, pctWithError computed as docs/metrics.md defines them.
"""

import json, re, os, sys

# --- copied from test/fixtures/make_rows.py: "The tutorial's definitions, transcribed" ---
CALL = re.compile(r'<tool_call>\s*(\{.*?\})\s*</tool_call>', re.DOTALL)
THINK = re.compile(r'<think>(.*?)</think>', re.DOTALL)
RESP = re.compile(r'<tool_response>(.*?)</tool_response>', re.DOTALL)
def seed(r):
    convs = r['conversations'] or []
    names, widths, thoughts, lengths = [], [], [], []
    has_error = False
    for m in convs:
        if not isinstance(m, dict): continue
        if m.get('from') == 'gpt':
            found = CALL.findall(m['value'])
            thoughts.append(len(THINK.findall(m['value'])))
            if found: widths.append(len(found))
            for c in found:
                try:
                    obj = json.loads(c); names.append(obj.get('name', '<malformed>') if isinstance(obj, dict) else '<malformed>'); lengths.append(len(json.dumps(obj)))
                except json.JSONDecodeError:
                    names.append('<malformed>')
        if m.get('from') == 'tool':
            mm = RESP.search(m['value'])
            if mm:
                try: content = json.loads(mm.group(1))
                except json.JSONDecodeError: content = mm.group(1)
            else: content = m['value']
            s = json.dumps(content).lower()
            if 'error' in s or '"exit_code": 1' in s or 'traceback' in s: has_error = True
    return {"turns": len(convs), "toolCalls": names, "parallelWidths": widths, "thoughtsPerTurn": thoughts, "callLengths": lengths, "hasError": has_error}
# --- end of the copy ---


COPY_START = "# --- copied from test/fixtures/make_rows.py"
COPY_END = "# --- end of the copy ---"


def check(root: str) -> int:
    with open(__file__, encoding="utf-8") as f:
        own = f.read()
    start = own.index("\n", own.index(COPY_START + ":")) + 1
    copied = own[start : own.index(COPY_END + "\n")]
    with open(os.path.join(root, "test/fixtures/make_rows.py"), encoding="utf-8") as f:
        verbatim = copied in f.read()
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
    print(json.dumps({"copyVerbatim": verbatim, "fixtures": len(names), "differ": bad}))
    return 0 if verbatim and not bad else 1


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
