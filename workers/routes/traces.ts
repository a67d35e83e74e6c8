/**
 * `GET /api/traces`: row summaries filtered and paged, for the drill-down lists.
 * Filters combine with AND; `q` is a case-insensitive substring of the task.
 *
 * Paging: `offset` + `limit`, or the opaque `cursor` of the previous page (`nextCursor` in the body and
 * `Link: <…>; rel="next"`; workers/cursor.ts). Both address the same positions in the filtered list, so paging by
 * cursor and by offset return the same pages; the cursor also pins the revision and the filters (a 400 when
 * they changed between pages). While stats are incomplete (`complete: false`) the list grows between requests
 * and pages may shift, by cursor as by offset.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { matchesFilter } from '../../shared/filters.ts'
import type { TraceSummary } from '../../shared/types.ts'
import { cursorDecode, cursorEncode, cursorPageUrl, cursorParam, linkNext } from '../cursor.ts'
import { allSettledOrThrow } from '../data/memo.ts'
import { configSummaries } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { filterShape } from '../filters-query.ts'
import { CACHE, sendJson } from '../http.ts'
import { badParam } from '../problem.ts'
import { intParam, parseQuery } from '../validate.ts'

const MAX_OFFSET = 1_000_000

export const tracesQuery = z.object({
  ...filterShape,
  offset: intParam('Items to skip (not with `cursor`).', 0, MAX_OFFSET).optional(),
  limit: intParam('Items to return (default 20, <= 100).', 1, 100).optional(),
  cursor: cursorParam.optional(),
})

export const traces = new Hono<AppEnv>().get('/', async (c) => {
  const query = parseQuery(c, tracesQuery)
  const data = c.get('data')
  const info = await data.revision()
  const names =
    query.config !== undefined ? [(await data.config(query.config)).name] : info.configs.map((x) => x.name)
  const parts = await allSettledOrThrow(names.map((name) => configSummaries(data, name)))
  const { offset: _offset, limit: _limit, cursor, ...filter } = query
  const url = new URL(c.req.url)
  const scope = { route: 'traces', revision: info.revision, url }
  if (cursor !== undefined && query.offset !== undefined) {
    throw badParam('cursor', cursor, 'cursor and offset cannot be combined (the cursor holds the position)')
  }
  const offset = cursor !== undefined ? cursorDecode(cursor, scope, MAX_OFFSET) : (query.offset ?? 0)
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
  const end = offset + items.length
  const nextCursor = end < total ? cursorEncode(scope, end) : null
  const res = sendJson(
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
      nextCursor,
      items,
    },
    complete ? CACHE.revision : CACHE.partial,
    `${rows}`,
  )
  if (nextCursor !== null) res.headers.set('link', linkNext(cursorPageUrl(url, nextCursor)))
  return res
})
