#!/usr/bin/env python3
"""Rewrite a dataset directory's parquet files the way plain pyarrow writes them (the memory bench's inputs).

    python3 bench/write_layout.py --writer pyarrow-defaults|pyarrow-rg1000 SRC_DIR DST_DIR

Writers (DATASET.md "How real writers lay out the parquet"):
  pyarrow-defaults  `pyarrow.parquet.write_table(table, path)` with nothing changed (pandas `to_parquet` too):
                    one row group for the whole file, dictionary pages falling back to plain, snappy, data
                    page v1, no page index.
  pyarrow-rg1000    `pyarrow.parquet.write_table(table, path, row_group_size=1000)`: what `datasets` < 4.1 wrote,
                    1,000-row row groups, otherwise the defaults (no page index).

Every `*.parquet` under SRC_DIR is read whole (`pyarrow.parquet.read_table`) and written to the same relative path
under DST_DIR; other files (the dataset card README.md, sample.json) are copied unchanged, so DST_DIR is a dataset
directory the Hub stand-in can serve. Dotfiles of SRC_DIR are not copied. Prints one JSON line per written file with
the layout it got (bench/write_datasets_layout.py's `layout`: row groups, codecs, encodings, offset/column index
per column) and writes the list to DST_DIR/.layout.json, each entry with `writer` and `settings`.
Exit code 3 (one plain line on stderr) when pyarrow cannot be imported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

# The keyword arguments of `write_table` per writer: exactly these, everything else pyarrow's defaults.
WRITERS: dict[str, dict] = {
    "pyarrow-defaults": {},
    "pyarrow-rg1000": {"row_group_size": 1000},
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--writer", required=True, choices=sorted(WRITERS))
    ap.add_argument("src")
    ap.add_argument("dst")
    args = ap.parse_args()
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError as err:
        print(f"write_layout: cannot import {err.name} (pip install pyarrow)", file=sys.stderr)
        return 3
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from write_datasets_layout import layout

    src = os.path.abspath(args.src)
    dst = os.path.abspath(args.dst)
    if not os.path.isdir(src):
        print(f"write_layout: {src} is not a directory", file=sys.stderr)
        return 1
    settings = WRITERS[args.writer]
    os.makedirs(dst, exist_ok=True)
    written = []
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(f for f in files if not f.startswith(".")):
            source = os.path.join(root, name)
            rel = os.path.relpath(source, src)
            target = os.path.join(dst, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not name.endswith(".parquet"):
                shutil.copyfile(source, target)
                continue
            t = time.time()
            table = pq.read_table(source)
            partial = f"{target}.partial-{os.getpid()}"
            pq.write_table(table, partial, **settings)
            del table
            os.replace(partial, target)
            info = layout(target)
            info["file"] = rel
            info["seconds"] = round(time.time() - t, 1)
            info["writer"] = f"pyarrow {pyarrow.__version__}"
            info["layoutName"] = args.writer
            info["settings"] = f"pyarrow.parquet.write_table({', '.join(['table', 'path'] + [f'{k}={v!r}' for k, v in settings.items()])})"
            written.append(info)
            print(json.dumps(info), flush=True)
    with open(os.path.join(dst, ".layout.json"), "w") as fh:
        json.dump(written, fh, indent=2)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
