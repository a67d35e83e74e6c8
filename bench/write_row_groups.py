#!/usr/bin/env python3
"""Rewrite one parquet file with pyarrow in fixed-size row groups (the scan bench's input).

    python3 bench/write_row_groups.py SRC DST [--row-group-size 1000] [--compression snappy]

The layout `datasets` < 4.1 wrote (1,000-row row groups, snappy, dictionary pages, no page index): the rows and
the schema of SRC unchanged, written by `pyarrow.parquet.ParquetWriter` one row group at a time (memory: one
source batch plus one row group). Writes DST.partial first and renames it, so DST exists only when complete.
Prints one JSON line with the layout written.
"""

from __future__ import annotations

import argparse
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--row-group-size", type=int, default=1000)
    ap.add_argument("--compression", default="snappy")
    args = ap.parse_args()

    src = pq.ParquetFile(args.src)
    partial = args.dst + ".partial"
    size = args.row_group_size
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    with pq.ParquetWriter(partial, src.schema_arrow, compression=args.compression, write_page_index=False) as w:

        def flush(final: bool) -> None:
            nonlocal pending, pending_rows
            table = pa.Table.from_batches(pending, schema=src.schema_arrow)
            while table.num_rows >= size or (final and table.num_rows > 0):
                w.write_table(table.slice(0, size), row_group_size=size)
                table = table.slice(size)
            pending = table.to_batches()
            pending_rows = table.num_rows

        for batch in src.iter_batches(batch_size=size):
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= size:
                flush(False)
        flush(True)
    os.replace(partial, args.dst)

    md = pq.ParquetFile(args.dst).metadata
    print(
        json.dumps(
            {
                "file": args.dst,
                "bytes": os.path.getsize(args.dst),
                "rows": md.num_rows,
                "rowGroups": md.num_row_groups,
                "rowsPerGroup": sorted({md.row_group(g).num_rows for g in range(md.num_row_groups)}),
                "compression": args.compression,
                "createdBy": md.created_by,
            }
        )
    )


if __name__ == "__main__":
    main()
