"""Does `datasets` load an STS folder as agent traces, one row per session?

The folder is what `npm run export -- --format sts --out-dir DIR` writes: DIR/<config>/<id>.jsonl, one session
per file (a `{"type":"session",...}` line, then one `{"type":"message",...}` line per message). This script counts
files, lines and session lines itself, then asks the installed `datasets`:

1. the plain JSON-lines reading (`parse_agent_traces=False`): rows and columns;
2. its agent-trace detection on those columns and its trace summary of one file (`parse_traces_info`);
3. the default `load_dataset(DIR)`: with agent-trace decoding it needs the `teich` package; when `teich` is
   missing the load fails and the verdict is "unverified" (exit 2); otherwise rows are compared with sessions
   and the session ids with the file names (exit 0 when one row per session, else 1).

Usage: python3 bench/sts_datasets_check.py DIR   (needs `datasets`; runs offline; caches in a temporary directory)
The output recorded on this project's machine is bench/sts_datasets_check.txt. Not part of CI (no Python there).
"""

import json
import os
import sys
import tempfile
from pathlib import Path

cache = tempfile.mkdtemp(prefix="sts-datasets-")
os.environ["HF_HOME"] = cache
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

import datasets  # noqa: E402  (after the environment above)
from datasets.packaged_modules.json.json import has_agent_traces_markers, parse_traces_info  # noqa: E402

datasets.disable_progress_bars()


def folder_counts(root: Path):
    """Files, lines and session lines per config (sub-folder), read directly."""
    per_config = {}
    ids = set()
    for path in sorted(root.rglob("*.jsonl")):
        config = path.parent.name
        lines = path.read_text(encoding="utf-8").splitlines()
        sessions = [json.loads(line) for line in lines if json.loads(line).get("type") == "session"]
        c = per_config.setdefault(config, {"files": 0, "lines": 0, "sessions": 0})
        c["files"] += 1
        c["lines"] += len(lines)
        c["sessions"] += len(sessions)
        ids.add(path.stem)
    return per_config, ids


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 64
    root = Path(sys.argv[1])
    per_config, ids = folder_counts(root)
    if not per_config:
        print(f"no .jsonl files under {root}")
        return 64
    files = sum(c["files"] for c in per_config.values())
    lines = sum(c["lines"] for c in per_config.values())
    sessions = sum(c["sessions"] for c in per_config.values())
    print(f"datasets {datasets.__version__}; teich installed: {datasets.config.TEICH_AVAILABLE}")
    print(f"folder: {files} files, {lines} lines, {sessions} session lines")
    for config, c in per_config.items():
        print(f"  {config}: {c['files']} files, {c['lines']} lines, {c['sessions']} session lines")

    plain = datasets.load_dataset(str(root), parse_agent_traces=False)
    print(f"json lines (parse_agent_traces=False): splits {list(plain)}")
    for split, ds in plain.items():
        print(f"  {split}: {ds.num_rows} rows (one per line: {ds.num_rows == lines}); columns {ds.column_names}")
        print(f"  agent-trace columns detected: {has_agent_traces_markers(ds.features)}")
    first = sorted(root.rglob("*.jsonl"))[0]
    first_lines = first.read_text(encoding="utf-8").splitlines()
    harness, session_id, prompt, sent_at, users, calls = parse_traces_info(first_lines)
    messages = [json.loads(line)["message"] for line in first_lines if json.loads(line).get("type") == "message"]
    own_users = sum(1 for m in messages if m.get("role") == "user")
    own_calls = sum(len(m.get("toolCalls") or []) for m in messages)
    print(
        f"parse_traces_info({first.parent.name}/{first.name}): harness={harness!r}, "
        f"session_id is the file id: {session_id == first.stem}, prompt found: {prompt is not None}, "
        f"user messages={users}, tool calls={calls}"
    )
    print(f"  the same file counted here: user messages={own_users}, tool calls (message.toolCalls)={own_calls}")

    try:
        traces = datasets.load_dataset(str(root))
    except Exception as err:  # the chain says why (ImportError for a missing teich)
        chain = []
        cause = err
        while cause is not None:
            chain.append(f"{type(cause).__name__}: {cause}")
            cause = cause.__cause__ or cause.__context__
        print("load_dataset(DIR) failed: " + " <- ".join(chain))
        print("verdict: unverified (the agent-trace loader did not run)")
        return 2
    print(f"load_dataset(DIR): splits {list(traces)}")
    rows = sum(ds.num_rows for ds in traces.values())
    loaded_ids = set()
    for split, ds in traces.items():
        print(f"  {split}: {ds.num_rows} rows; columns {ds.column_names}")
        if "session_id" in ds.column_names:
            loaded_ids.update(x for x in ds["session_id"] if x is not None)
    one_per_session = rows == sessions and loaded_ids == ids
    print(f"rows {rows} vs sessions {sessions}; session ids equal the file ids: {loaded_ids == ids}")
    print(f"verdict: {'one row per session' if one_per_session else 'NOT one row per session'}")
    return 0 if one_per_session else 1


if __name__ == "__main__":
    sys.exit(main())
