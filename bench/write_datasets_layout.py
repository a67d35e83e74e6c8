#!/usr/bin/env python3
"""Rewrite a dataset directory's parquet files the way Hugging Face `datasets` writes them.

    python3 bench/write_datasets_layout.py SRC_DIR DST_DIR [--config kimi ...]

Every `*.parquet` under SRC_DIR (e.g. `.cache/bench-full/data/kimi/train.parquet`) is loaded with
`datasets.Dataset.from_parquet` and written back with `Dataset.to_parquet` to the same relative path under DST_DIR
(what `push_to_hub` / `to_parquet` produce: the installed version decides row groups, page index, codecs, page
sizes). Other files (the dataset card README.md, ...) are copied unchanged, so DST_DIR is a dataset directory the
Hub stand-in can serve. `--config NAME` limits the rewrite to `data/NAME/` (other configs are copied as they are).

Prints one JSON line per written file with the layout it got (row groups, rows per group, codecs, encodings,
offset/column index presence per column, pages per chunk) and writes the same to DST_DIR/.layout.json (a dotfile:
not part of the served repository). Dotfiles of SRC_DIR (a mirror's .hub-revision) are not copied.
Exit code 3 (one plain line on stderr) when `datasets` or `pyarrow` cannot be imported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time


def layout(path: str) -> dict:
    """What a parquet file looks like inside: the figures the Worker's reader depends on."""
    import pyarrow.parquet as pq

    f = pq.ParquetFile(path)
    md = f.metadata
    groups = []
    columns: dict[str, dict] = {}
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        comp = 0
        uncomp = 0
        for c in range(rg.num_columns):
            col = rg.column(c)
            comp += col.total_compressed_size
            uncomp += col.total_uncompressed_size
            info = columns.setdefault(
                col.path_in_schema,
                {
                    "codecs": set(),
                    "encodings": set(),
                    "chunks": 0,
                    "offsetIndex": 0,
                    "columnIndex": 0,
                    "dictionaryPage": 0,
                    "compressedBytes": 0,
                    "uncompressedBytes": 0,
                },
            )
            info["codecs"].add(col.compression)
            info["encodings"].update(col.encodings)
            info["chunks"] += 1
            info["offsetIndex"] += 1 if col.has_offset_index else 0
            info["columnIndex"] += 1 if col.has_column_index else 0
            info["dictionaryPage"] += 1 if col.has_dictionary_page else 0
            info["compressedBytes"] += col.total_compressed_size
            info["uncompressedBytes"] += col.total_uncompressed_size
        groups.append({"rows": rg.num_rows, "compressedBytes": comp, "uncompressedBytes": uncomp})
    pages = _pages_per_chunk(path, md)
    for name, info in columns.items():
        info["codecs"] = sorted(info["codecs"])
        info["encodings"] = sorted(info["encodings"])
        counts = pages.get(name)
        if counts:
            info["pagesMin"], info["pagesMax"], info["pagesTotal"] = min(counts), max(counts), sum(counts)
    return {
        "file": path,
        "bytes": os.path.getsize(path),
        "createdBy": md.created_by,
        "formatVersion": md.format_version,
        "rows": md.num_rows,
        "rowGroups": groups,
        "columns": columns,
    }


def _pages_per_chunk(path: str, md) -> dict[str, list[int]]:
    """Data pages per column chunk, from the offset index when pyarrow can read it (else nothing)."""
    out: dict[str, list[int]] = {}
    try:
        import pyarrow.parquet as pq

        reader = pq.ParquetFile(path).reader
        get = getattr(reader, "read_offset_index", None)  # not in every pyarrow version
        if get is None:
            return out
        for g in range(md.num_row_groups):
            rg = md.row_group(g)
            for c in range(rg.num_columns):
                index = get(g, c)
                if index is not None:
                    out.setdefault(rg.column(c).path_in_schema, []).append(len(index.page_locations))
    except Exception:  # noqa: BLE001 - pages per chunk are a nicety; the TS probe reports them too
        return {}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--config", action="append", default=[], help="only rewrite data/CONFIG/ (repeatable)")
    args = ap.parse_args()
    try:
        import datasets
        import pyarrow
    except ImportError as err:
        print(f"write_datasets_layout: cannot import {err.name} (pip install pyarrow datasets)", file=sys.stderr)
        return 3
    from datasets import Dataset

    src = os.path.abspath(args.src)
    dst = os.path.abspath(args.dst)
    if not os.path.isdir(src):
        print(f"write_datasets_layout: {src} is not a directory", file=sys.stderr)
        return 1
    os.makedirs(dst, exist_ok=True)
    datasets.disable_progress_bars()
    # datasets' Arrow cache for the load, next to the output (not ~/.cache), removed at the end.
    cache = tempfile.mkdtemp(prefix=".datasets-cache-", dir=os.path.dirname(dst))
    written = []
    try:
        for root, dirs, files in os.walk(src):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(f for f in files if not f.startswith(".")):
                source = os.path.join(root, name)
                rel = os.path.relpath(source, src)
                target = os.path.join(dst, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                parts = rel.split(os.sep)
                wanted = not args.config or (len(parts) > 2 and parts[0] == "data" and parts[1] in args.config)
                if not name.endswith(".parquet") or not wanted:
                    shutil.copyfile(source, target)
                    continue
                t = time.time()
                ds = Dataset.from_parquet(source, cache_dir=cache, keep_in_memory=False)
                partial = f"{target}.partial-{os.getpid()}"
                ds.to_parquet(partial)
                del ds
                os.replace(partial, target)
                info = layout(target)
                info["file"] = rel
                info["seconds"] = round(time.time() - t, 1)
                info["writer"] = f"datasets {datasets.__version__}, pyarrow {pyarrow.__version__}"
                written.append(info)
                print(json.dumps(info), flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    with open(os.path.join(dst, ".layout.json"), "w") as fh:
        json.dump(written, fh, indent=2)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
