/**
 * The memory bench's reference traces, run in a child process (its own heap, freed when it exits):
 *
 *   node --max-old-space-size=N bench/reference-traces.ts REQUEST.json OUT.json
 *
 * REQUEST: `{ file, config, dataset, revision, sample, rows: [{ row, id }] }`. For every requested row, the row
 * is read from the parquet file by hyparquet alone (`parquetReadObjects` over the row groups holding the rows,
 * whole column chunks, no offset index, none of the Worker's reader) and turned into the replay document by
 * `traceFromRow` (shared/trace.ts). OUT: `{ "<id>": Trace }`. A row whose id differs from the requested one is
 * an error (exit 1): the file is not the one the ids came from.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { traceFromRow } from '../shared/trace.ts'
import type { Trace } from '../shared/types.ts'

interface Request {
  file: string
  config: string
  dataset: string
  revision: string
  sample: boolean
  rows: { row: number; id: string }[]
}

async function main(requestPath: string, outPath: string): Promise<void> {
  const req = JSON.parse(readFileSync(requestPath, 'utf8')) as Request
  if (req.rows.length === 0) throw new Error('no rows requested')
  const file = await asyncBufferFromFile(req.file)
  const metadata = await parquetMetadataAsync(file)
  const wanted = new Map(req.rows.map((r) => [r.row, r.id]))
  const out: Record<string, Trace> = {}
  let groupStart = 0
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows)
    const inGroup = [...wanted.keys()].filter((r) => r >= groupStart && r < groupEnd).sort((a, b) => a - b)
    if (inGroup.length > 0) {
      const rowStart = inGroup[0] as number
      const rowEnd = (inGroup[inGroup.length - 1] as number) + 1
      const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd })
      for (const r of inGroup) {
        const row = rows[r - rowStart] as Record<string, unknown> | undefined
        if (String(row?.id) !== wanted.get(r))
          throw new Error(`row ${r} of ${req.file} has id ${String(row?.id)}, expected ${wanted.get(r)}`)
        out[String(row?.id)] = traceFromRow(row, {
          dataset: req.dataset,
          revision: req.revision,
          sample: req.sample,
          config: req.config,
        })
      }
    }
    groupStart = groupEnd
  }
  const missing = req.rows.filter((r) => !(r.id in out))
  if (missing.length) throw new Error(`rows not in ${req.file}: ${missing.map((r) => r.row).join(', ')}`)
  writeFileSync(outPath, JSON.stringify(out))
}

const [requestPath, outPath] = process.argv.slice(2)
if (!requestPath || !outPath) {
  process.stderr.write('usage: node bench/reference-traces.ts REQUEST.json OUT.json\n')
  process.exit(2)
}
main(requestPath, outPath).catch((err: Error) => {
  process.stderr.write(`reference-traces: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
