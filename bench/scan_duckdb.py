#!/usr/bin/env python3
"""The tutorial's four headline numbers in one DuckDB query (2 threads): the scan bench's SQL baseline.

    python3 bench/scan_duckdb.py FILE [--threads 2]

Per row, over `conversations` (list functions, RE2 regexes):
- turns: the list's length (the system message included);
- tool calls: matches of the tutorial's regex `<tool_call>\\s*(\\{.*?\\})\\s*</tool_call>` (dot matches newlines)
  in `gpt` messages, by regexp_extract_all;
- error row: the closest SQL to the tutorial's heuristic. The tutorial parses each tool message's FIRST
  <tool_response> body as JSON (else takes the raw body; else the whole message), serialises it again with
  Python's json.dumps, lowercases it and looks for `error`, `"exit_code": 1` or `traceback`. Here: the same body
  (or the whole message), lowercased, contains `error` or `traceback`; or the body is valid JSON and, lowercased,
  contains `"exit_code"` `:` `1` (json.dumps writes `": "`; a raw or string body escapes its quotes, so it never
  matches).
  It differs from the tutorial only where json.dumps's re-serialisation changes the text (\\u escapes of the
  raw text, whitespace, duplicate keys).
Prints one JSON line: the counts, the three means as docs/metrics.md defines them, and `queryS`, the seconds of
the query alone (connect, settings and the Python start-up are outside it; the caller times the whole command).
"""

import argparse
import json
import time

import duckdb

CALL = r"(?s)<tool_call>\s*(\{.*?\})\s*</tool_call>"
RESP = r"(?s)<tool_response>(.*?)</tool_response>"

# Per tool message: the text the heuristic looks at, lowercased once (`t`), and whether it is a <tool_response>
# body (`j`: only a body can be JSON for the tutorial; the whole-message fallback is a plain string to json.dumps).
BODIES = f"""list_transform(
      list_filter(conversations, lambda m: m."from" = 'tool'),
      lambda m: CASE WHEN regexp_matches(m.value, '{RESP}')
        THEN {{'t': lower(regexp_extract(m.value, '{RESP}', 1)), 'j': true}}
        ELSE {{'t': lower(m.value), 'j': false}} END)"""
FLAGGED = f"""coalesce(list_bool_or(list_transform({BODIES},
      lambda b: contains(b.t, 'error') OR contains(b.t, 'traceback')
        OR (b.j AND regexp_matches(b.t, '"exit_code"\\s*:\\s*1') AND json_valid(b.t)))), false)"""

# The file is a SQL string literal, not a `?` parameter: a prepared read_parquet(?) took seconds to plan
# (DuckDB 1.5.6; milliseconds with a literal), which would be charged to DuckDB's query time.
QUERY = f"""
WITH per_row AS (
  SELECT
    coalesce(len(conversations), 0) AS turns,
    coalesce(list_sum(list_transform(
      list_filter(conversations, lambda m: m."from" = 'gpt'),
      lambda m: len(regexp_extract_all(m.value, '{CALL}', 1))
    )), 0) AS calls,
    {FLAGGED} AS flagged
  FROM read_parquet({{path}})
)
SELECT count(*), coalesce(sum(turns), 0), coalesce(sum(calls), 0), count(*) FILTER (WHERE flagged) FROM per_row
"""


def query(path: str) -> str:
    """QUERY over the parquet file at `path`."""
    literal = "'" + path.replace("'", "''") + "'"
    return QUERY.replace("{path}", literal)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    t = time.perf_counter()
    rows, messages, calls, error_rows = con.execute(query(args.file)).fetchone()
    query_s = time.perf_counter() - t
    print(
        json.dumps(
            {
                "rows": rows,
                "messages": int(messages),
                "toolCalls": int(calls),
                "seedErrorRows": error_rows,
                "avgTurns": messages / rows if rows else 0,
                "avgToolCalls": calls / rows if rows else 0,
                "pctWithError": 100 * error_rows / rows if rows else 0,
                "queryS": query_s,
                "threads": args.threads,
                "duckdb": duckdb.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
