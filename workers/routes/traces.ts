/**
 * `GET /api/traces`: row summaries filtered and paged, for the drill-down lists.
 * Filters combine with AND; `q` is a case-insensitive substring of the task.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { ERROR_FILTERS, matchesFilter } from '../../shared/filters.ts'
import type { TraceSummary } from '../../shared/types.ts'
import { allSettledOrThrow } from '../data/memo.ts'
import { configSummaries } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { CACHE, sendJson } from '../http.ts'
import { configSchema, intParam, parseQuery } from '../validate.ts'

const text = (what: string) =>
  z.string().min(1, `${what} is empty`).max(200, `${what} is longer than 200 characters`)

/** The row filters (shared/filters.ts `TraceFilter`), as query parameters; also used by /api/export.jsonl. */
export const filterShape = {
  config: configSchema.optional(),
  category: text('category').optional().describe('Exact category, e.g. `Terminal & Coding`.'),
  subcategory: text('subcategory').optional().describe('Exact subcategory.'),
  tool: text('tool')
    .optional()
    .describe('Rows that call this tool (with `error`: rows where this tool failed).'),
  error: z
    .enum(ERROR_FILTERS, { message: `error must be one of ${ERROR_FILTERS.join(', ')}` })
    .optional()
    .describe(
      '`any`: a call failed (taxonomy); `none`: no call failed; `seed`: the tutorial heuristic; or an error kind.',
    ),
  minMessages: intParam('Rows with at least this many messages.', 0, 100_000).optional(),
  maxMessages: intParam('Rows with at most this many messages.', 0, 100_000).optional(),
  minCalls: intParam('Rows with at least this many tool calls.', 0, 100_000).optional(),
  maxCalls: intParam('Rows with at most this many tool calls.', 0, 100_000).optional(),
  minParallel: intParam('Rows whose widest turn has at least this many calls.', 0, 10_000).optional(),
  q: text('q').optional().describe('Case-insensitive substring of the task.'),
}

export const tracesQuery = z.object({
  ...filterShape,
  offset: intParam('Items to skip.', 0, 1_000_000).optional(),
  limit: intParam('Items to return (<= 100).', 1, 100).optional(),
})

export const traces = new Hono<AppEnv>().get('/', async (c) => {
  const query = parseQuery(c, tracesQuery)
  const data = c.get('data')
  const info = await data.revision()
  const names =
    query.config !== undefined ? [(await data.config(query.config)).name] : info.configs.map((x) => x.name)
  const parts = await allSettledOrThrow(names.map((name) => configSummaries(data, name)))
  const { offset: _offset, limit: _limit, ...filter } = query
  const offset = query.offset ?? 0
  const limit = query.limit ?? 20
  const items: TraceSummary[] = []
  let total = 0
  for (const part of parts) {
    for (const s of part.summaries) {
      if (!matchesFilter(s, filter)) continue
      if (total >= offset && items.length < limit) items.push(s)
      total++
    }
  }
  const complete = parts.every((p) => p.complete)
  const rows = parts.reduce((n, p) => n + p.summaries.length, 0)
  const rowsTotal = parts.reduce((n, p) => n + p.rowsTotal, 0)
  return sendJson(
    c,
    info.revision,
    {
      dataset: info.dataset,
      revision: info.revision,
      sample: info.sample,
      complete,
      rows,
      rowsTotal,
      total,
      offset,
      limit,
      items,
    },
    complete ? CACHE.revision : CACHE.partial,
    `${rows}`,
  )
})
