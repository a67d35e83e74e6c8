/**
 * `GET /api/export.jsonl?config=&format=&<the /api/traces filters>&limit=&cursor=`: the matching rows as JSONL,
 * one row per line (`{"id": …, …the format's fields}`), one bounded page per response.
 *
 * Paging (a contract change: this route used to answer every matching row at once): a response holds at most
 * `limit` rows (default 100, at most 500) read from at most `MAX_PAGE_SLICES` stats slices; when rows remain it
 * carries `Link: <same URL with cursor=…>; rel="next"` (workers/cursor.ts). `X-Rows` counts this response's rows,
 * `X-Rows-Total` every matching row. Clients follow `rel="next"` until it is absent; a page may hold fewer than
 * `limit` rows before the end.
 *
 * Rows are selected with the stats slices' summaries (one filter definition: shared/filters.ts), so only the
 * slices holding this page's rows are read, one at a time, streamed. While the summaries are still being computed
 * the answer is a 503 with Retry-After (the export would otherwise be silently incomplete).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { EXPORT_FORMATS, exportTrace } from '../../shared/export.ts'
import { matchesFilter } from '../../shared/filters.ts'
import type { RowRange } from '../../shared/parquet.ts'
import { parseRow } from '../../shared/trace.ts'
import { cursorDecode, cursorEncode, cursorPageUrl, cursorParam, linkNext } from '../cursor.ts'
import { configSlices, configSummaries } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { filterShape } from '../filters-query.ts'
import { HttpProblem } from '../problem.ts'
import { configSchema, intParam, parseQuery } from '../validate.ts'

/**
 * Rows per response. A row is ~20 KB of text in the sample and up to a few hundred KB in the real data; parsing
 * and exporting one costs well under a millisecond per 100 KB (README benchmarks: ~250 MB/s). 100 rows keeps
 * a default page at a few MB and a fraction of a second of CPU, so a page is cheap to retry; 500 rows bounds
 * the worst page to tens of MB of output and a few seconds of CPU, far inside `[limits] cpu_ms` (wrangler.toml).
 */
export const EXPORT_LIMIT_DEFAULT = 100
export const EXPORT_LIMIT_MAX = 500
/**
 * Slices one response may read. A sparse filter (one match per slice) would otherwise make a 100-row page read
 * 100 slices; each slice decodes at most SLICE_BUDGET_MB, so 4 bound a page's decoding to about four stats
 * slices' worth of work (a stats slice must itself fit `cpu_ms`). The page then ends early with a `next` link.
 */
export const MAX_PAGE_SLICES = 4

export const exportQuery = z.object({
  ...filterShape,
  config: configSchema.describe('Dataset config to export (required).'),
  format: z
    .enum(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
    .describe('Export format of each line.'),
  limit: intParam(
    `Rows in this response (default ${EXPORT_LIMIT_DEFAULT}, <= ${EXPORT_LIMIT_MAX}); a page may hold fewer before the end.`,
    1,
    EXPORT_LIMIT_MAX,
  ).optional(),
  cursor: cursorParam.optional(),
})

/** The rows of one page, grouped by the slice that holds them (in row order). */
interface PagePlan {
  /** One read per slice: the span from this page's first to last row in that slice, and those rows. */
  reads: { slice: number; range: RowRange; rows: number[] }[]
  /** Row index where the next page starts, or null at the end. */
  next: number | null
  /** Rows in this page. */
  count: number
}

/** Plan the page starting at row `start`: up to `limit` matching rows from up to `MAX_PAGE_SLICES` slices. */
function planPage(matching: number[], slices: RowRange[], start: number, limit: number): PagePlan {
  const reads: PagePlan['reads'] = []
  let count = 0
  // `matching` is sorted: binary search for the first matching row >= start.
  let lo = 0
  let hi = matching.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((matching[mid] as number) < start) lo = mid + 1
    else hi = mid
  }
  let s = 0
  for (let i = lo; i < matching.length; i++) {
    const row = matching[i] as number
    while (s < slices.length && (slices[s] as RowRange).end <= row) s++
    // Summaries and slices come from the same file: a row past the last slice means they disagree, and a
    // silently shorter export would be worse than an error.
    if (s === slices.length) throw new Error(`row ${row} lies past the planned slices (${slices.length})`)
    const last = reads.at(-1)
    const sameSlice = last !== undefined && last.slice === s
    if (count === limit || (!sameSlice && reads.length === MAX_PAGE_SLICES))
      return { reads, next: row, count }
    if (sameSlice) {
      last.rows.push(row)
      last.range.end = row + 1
    } else {
      reads.push({ slice: s, range: { start: row, end: row + 1 }, rows: [row] })
    }
    count++
  }
  return { reads, next: null, count }
}

export const exportJsonl = new Hono<AppEnv>().get('/', async (c) => {
  const { format, limit, cursor, ...filter } = parseQuery(c, exportQuery)
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
  const url = new URL(c.req.url)
  const scope = { route: 'export', revision: info.revision, url }
  const start = cursor !== undefined ? cursorDecode(cursor, scope, summaries.length) : 0
  const { slices } = await configSlices(data, config)
  // Summaries are stored in row order, slice after slice: index == row number.
  const matching: number[] = []
  for (const [row, s] of summaries.entries()) if (matchesFilter(s, filter)) matching.push(row)
  const page = planPage(matching, slices, start, limit ?? EXPORT_LIMIT_DEFAULT)
  const encoder = new TextEncoder()
  /**
   * The JSONL of one slice read, one encoded line per row. Each row is parsed, exported, serialised and encoded
   * on its own, and dropped from the read at once: the JS heap holds the read's rows plus one row's copies,
   * never every row's line as one string beside them (which ran a whole-config export out of heap).
   */
  const readLines = async (read: PagePlan['reads'][number]): Promise<Uint8Array[]> => {
    return data.withRows(config, read.range, false, (rows) => {
      const lines: Uint8Array[] = []
      for (const r of read.rows) {
        const row = rows[r - read.range.start]
        if (!row) throw new Error(`row ${r} of ${config} missing from its slice read`)
        rows[r - read.range.start] = undefined as never
        const trace = parseRow(row, { ...info, config }).trace
        lines.push(encoder.encode(`${JSON.stringify({ id: trace.id, ...exportTrace(trace, format) })}\n`))
      }
      return lines
    })
  }
  const head = c.req.method === 'HEAD'
  // The first slice is read before answering, so a failure there (upstream trouble, a busy Worker) is a proper
  // problem+json with Retry-After, not a 200 whose body breaks. A later slice that fails errors the body: the
  // client sees a truncated transfer (and X-Rows said how many rows to expect), then retries the same URL.
  const first = !head && page.reads[0] ? await readLines(page.reads[0]) : null
  let next = 1
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const line of first ?? []) controller.enqueue(line)
    },
    // One slice per pull: at most one slice's rows (only the span this page needs) are decoded at a time.
    async pull(controller) {
      const read = page.reads[next++]
      if (!read) {
        controller.close()
        return
      }
      try {
        for (const line of await readLines(read)) controller.enqueue(line)
      } catch (err) {
        controller.error(err)
      }
    },
  })
  const headers: Record<string, string> = {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="${config}-${format}.jsonl"`,
    'cache-control': 'public, max-age=300',
    'x-revision': info.revision,
    'x-rows': String(page.count),
    'x-rows-total': String(matching.length),
    'x-content-type-options': 'nosniff',
  }
  if (page.next !== null) headers.link = linkNext(cursorPageUrl(url, cursorEncode(scope, page.next)))
  return new Response(head ? null : stream, { headers })
})
