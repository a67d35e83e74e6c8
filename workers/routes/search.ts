/**
 * `GET /api/search`: full-text search over every message of the dataset, from the inverted index the Queue
 * builds (workers/data/search-index.ts). Words, "quoted phrases" and prefixes (`foo*`) must all occur in one
 * message (AND); hits are messages, ranked by BM25, each with the replay step it belongs to and a snippet.
 *
 * While a searched config's index is incomplete the answer is 503 `index-pending` with Retry-After and the
 * build progress (never a partial list: ranks and totals would shift as the index grows). Paging by the opaque
 * `cursor` (`next`, `Link: rel="next"`) over the full ranked list: every hit once, in order.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { ERROR_FILTERS, matchesFilter } from '../../shared/filters.ts'
import { SearchTooBroadError, searchRun } from '../../shared/search/evaluate.ts'
import { MAX_QUERY_CHARS, parseSearchQuery, SearchQueryError } from '../../shared/search/query.ts'
import { searchSnippet } from '../../shared/search/snippet.ts'
import { SEARCH_FIELDS, type SearchField } from '../../shared/search/tokenize.ts'
import type { SearchAnswer, SearchHit } from '../../shared/search/types.ts'
import type { TraceSummary } from '../../shared/types.ts'
import { cursorDecode, cursorEncode, cursorPageUrl, cursorParam, linkNext } from '../cursor.ts'
import { allSettledOrThrow } from '../data/memo.ts'
import { searchMessageText, searchReady, searchSource } from '../data/search-index.ts'
import { configSummaries } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { CACHE, sendJson } from '../http.ts'
import { badParam, HttpProblem } from '../problem.ts'
import { configSchema, intParam, parseQuery } from '../validate.ts'

const FIELD_LIST = new RegExp(`^(?:${SEARCH_FIELDS.join('|')})(?:,(?:${SEARCH_FIELDS.join('|')}))*$`)

export const searchQuery = z.object({
  q: z
    .string()
    .min(1, 'q is empty')
    .max(MAX_QUERY_CHARS, `q is longer than ${MAX_QUERY_CHARS} characters`)
    .describe(
      'Words, "quoted phrases" and prefixes (`foo*`, at least 2 characters before `*`); at most 8 terms, all in one message. Case-insensitive, Unicode NFKC.',
    ),
  role: z
    .string()
    .regex(FIELD_LIST, `role must be a comma-separated list of ${SEARCH_FIELDS.join(', ')}`)
    .optional()
    .describe(
      'Fields, comma-separated: `system`, `human`, `tool` messages, `gpt` answer text, `think` blocks, `call` payloads. A message matches when one of its matched terms occurs in one of them.',
    ),
  config: configSchema.optional(),
  tool: z
    .string()
    .min(1, 'tool is empty')
    .max(200, 'tool is longer than 200 characters')
    .optional()
    .describe(
      'Messages involving this tool: a gpt message calling it, or a tool message answering such a call.',
    ),
  error: z
    .enum(ERROR_FILTERS, { message: `error must be one of ${ERROR_FILTERS.join(', ')}` })
    .optional()
    .describe(
      'Rows (by their summary) as `/api/traces` filters them: `any`, `none`, `seed` or an error kind.',
    ),
  limit: intParam('Hits per page (default 20, <= 100).', 1, 100).optional(),
  cursor: cursorParam.optional(),
})

export const search = new Hono<AppEnv>().get('/', async (c) => {
  const query = parseQuery(c, searchQuery)
  let terms: ReturnType<typeof parseSearchQuery>
  try {
    terms = parseSearchQuery(query.q)
  } catch (err) {
    if (err instanceof SearchQueryError) throw badParam('q', query.q, err.message)
    throw err
  }
  const data = c.get('data')
  const info = await data.revision()
  const names =
    query.config !== undefined ? [(await data.config(query.config)).name] : info.configs.map((x) => x.name)
  await searchReady(data, names)
  const sources = await allSettledOrThrow(
    names.map(async (config) => ({ config, source: await searchSource(data, config) })),
  )
  const fields = query.role ? new Set(query.role.split(',') as SearchField[]) : undefined
  let rowFilter: ((config: string, row: number) => boolean) | undefined
  if (query.error !== undefined) {
    const error = query.error
    const summaries = new Map<string, TraceSummary[]>()
    for (const { config, source } of sources) {
      const part = await configSummaries(data, config)
      // The index is complete only once every slice exists, so the summaries are complete too; rows line up.
      if (part.summaries.length !== source.manifest.ids.length) {
        throw new HttpProblem(
          503,
          'index-pending',
          `the row summaries of ${config} are still being computed`,
          {
            retryAfter: 10,
          },
        )
      }
      summaries.set(config, part.summaries)
    }
    rowFilter = (config, row) => {
      const s = summaries.get(config)?.[row]
      return s !== undefined && matchesFilter(s, { error })
    }
  }
  let ranked: Awaited<ReturnType<typeof searchRun>>
  try {
    ranked = await searchRun(sources, terms, { fields, tool: query.tool, rowFilter })
  } catch (err) {
    if (err instanceof SearchTooBroadError) throw badParam('q', query.q, err.message)
    throw err
  }
  const url = new URL(c.req.url)
  const scope = { route: 'search', revision: info.revision, url }
  const offset = query.cursor !== undefined ? cursorDecode(query.cursor, scope, ranked.length) : 0
  const limit = query.limit ?? 20
  const page = ranked.slice(offset, offset + limit)
  const manifests = new Map(sources.map((s) => [s.config, s.source.manifest]))
  const hits: SearchHit[] = await allSettledOrThrow(
    page.map(async (h) => {
      const manifest = manifests.get(h.config) as NonNullable<ReturnType<typeof manifests.get>>
      const ordinal = (manifest.rowStart[h.row] as number) + h.message
      const text = await searchMessageText(data, h.config, manifest, ordinal)
      const snippet = searchSnippet(h.role, text, terms, fields)
      return {
        id: h.id,
        config: h.config,
        message: h.message,
        role: h.role,
        field: snippet.field,
        step: h.step,
        score: h.score,
        snippet: { text: snippet.text, marks: snippet.marks },
      }
    }),
  )
  const end = offset + page.length
  const next = end < ranked.length ? cursorEncode(scope, end) : null
  const body: SearchAnswer = {
    dataset: info.dataset,
    revision: info.revision,
    sample: info.sample,
    q: query.q,
    terms: terms.map((t) => t.text),
    total: ranked.length,
    complete: true,
    hits,
    next,
  }
  const res = sendJson(c, info.revision, body, CACHE.revision)
  if (next !== null) res.headers.set('link', linkNext(cursorPageUrl(url, next)))
  return res
})
