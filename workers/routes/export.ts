/**
 * `GET /api/export.jsonl?config=&format=&<the /api/traces filters>`: the matching rows as JSONL, one row per
 * line (`{"id": …, …the format's fields}`), streamed slice by slice in bounded memory.
 *
 * Rows are selected with the stats slices' summaries (one filter definition: shared/filters.ts), so only the
 * slices holding matching rows are read. While the summaries are still being computed the answer is a 503 with
 * Retry-After (the export would otherwise be silently incomplete).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { EXPORT_FORMATS, exportTrace } from '../../shared/export.ts'
import { matchesFilter } from '../../shared/filters.ts'
import { parseRow } from '../../shared/trace.ts'
import { configSlices, configSummaries } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { HttpProblem } from '../problem.ts'
import { configSchema, parseQuery } from '../validate.ts'
import { filterShape } from './traces.ts'

export const exportQuery = z.object({
  ...filterShape,
  config: configSchema.describe('Dataset config to export (required).'),
  format: z
    .enum(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
    .describe('Export format of each line.'),
})

export const exportJsonl = new Hono<AppEnv>().get('/', async (c) => {
  const { format, ...filter } = parseQuery(c, exportQuery)
  const data = c.get('data')
  const info = await data.revision()
  const config = (await data.config(filter.config)).name
  const { summaries, complete } = await configSummaries(data, config)
  if (!complete) {
    throw new HttpProblem(
      503,
      'stats-pending',
      `the row summaries of ${config} are still being computed; retry shortly`,
      {
        retryAfter: 10,
      },
    )
  }
  const { slices } = await configSlices(data, config)
  // Summaries are stored in row order, slice after slice: index == row number.
  const wanted = new Set<number>()
  for (const [row, s] of summaries.entries()) if (matchesFilter(s, filter)) wanted.add(row)
  const todo = slices.filter((s) => {
    for (let r = s.start; r < s.end; r++) if (wanted.has(r)) return true
    return false
  })
  const encoder = new TextEncoder()
  let next = 0
  const stream = new ReadableStream<Uint8Array>({
    // One slice per pull: at most one slice of rows is decoded at a time.
    async pull(controller) {
      const slice = todo[next++]
      if (!slice) {
        controller.close()
        return
      }
      try {
        const rows = await data.rows(config, slice, false)
        let out = ''
        for (const [k, row] of rows.entries()) {
          if (!wanted.has(slice.start + k)) continue
          const trace = parseRow(row, { ...info, config }).trace
          out += `${JSON.stringify({ id: trace.id, ...exportTrace(trace, format) })}\n`
        }
        controller.enqueue(encoder.encode(out))
      } catch (err) {
        controller.error(err)
      }
    },
  })
  return new Response(c.req.method === 'HEAD' ? null : stream, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${config}-${format}.jsonl"`,
      'cache-control': 'public, max-age=300',
      'x-revision': info.revision,
      'x-rows': String(wanted.size),
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'X-Revision, X-Rows',
      'x-content-type-options': 'nosniff',
    },
  })
})
