/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document. One source of truth: the parameters come from the zod schemas
 * that validate the requests (the routes' `*Query` schemas), the responses from the zod schemas of the answers
 * (`workers/schemas.ts`, proved equal to the contract types of `shared/types.ts` by a type-level test), both turned
 * into JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) by zod 4's `z.toJSONSchema`.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { CHART_NAMES } from '../../shared/charts.ts'
import type { AppEnv } from '../env.ts'
import {
  ChartListSchema,
  ComparisonSchema,
  DatasetsSchema,
  FailureListSchema,
  HealthSchema,
  OEmbedSchema,
  ProblemSchema,
  SameTaskListSchema,
  SearchAnswerSchema,
  SearchHitSchema,
  StatsSchema,
  StatsSetSchema,
  StepSchema,
  TraceExportSchema,
  TraceListSchema,
  TraceSchema,
  TraceSummarySchema,
} from '../schemas.ts'
import { chartsQuery } from './charts.ts'
import { compareQuery } from './compare.ts'
import { datasetsQuery } from './datasets.ts'
import { EXPORT_LIMIT_DEFAULT, EXPORT_LIMIT_MAX, exportQuery } from './export.ts'
import { FAILURES_LIMIT_DEFAULT, FAILURES_LIMIT_MAX, failuresQuery } from './failures.ts'
import { healthQuery } from './health.ts'
import { oembedQuery } from './oembed.ts'
import { SAME_TASK_LIMIT, sameTaskQuery } from './same-task.ts'
import { searchQuery } from './search.ts'
import { statsQuery } from './stats.ts'
import { traceParams, traceQuery } from './trace.ts'
import { tracesQuery } from './traces.ts'

type JsonSchema = { properties?: Record<string, Record<string, unknown>>; required?: string[] }

/** The named response schemas (components.schemas), in document order. */
const COMPONENTS = {
  Datasets: DatasetsSchema,
  Stats: StatsSchema,
  StatsSet: StatsSetSchema,
  FailureList: FailureListSchema,
  TraceList: TraceListSchema,
  TraceSummary: TraceSummarySchema,
  SearchAnswer: SearchAnswerSchema,
  SearchHit: SearchHitSchema,
  Trace: TraceSchema,
  Step: StepSchema,
  TraceExport: TraceExportSchema,
  Comparison: ComparisonSchema,
  SameTaskList: SameTaskListSchema,
  ChartList: ChartListSchema,
  Health: HealthSchema,
  OEmbed: OEmbedSchema,
  Problem: ProblemSchema,
} as const

/** `components.schemas`: every response schema, nested named ones as `$ref`s. */
function componentSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id })
  const out = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    // `unknown` fields (tool parameters, call arguments, response content) are any JSON value: `{}`.
    unrepresentable: 'any',
  }) as { schemas: Record<string, Record<string, unknown>> }
  const schemas: Record<string, Record<string, unknown>> = {}
  for (const [id, schema] of Object.entries(out.schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema
    schemas[id] = rest
  }
  return schemas
}

function parameters(schema: z.ZodObject, where: 'query' | 'path'): unknown[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  return Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      description,
      schema: rest,
    }
  })
}

/** `?revision=`, accepted by every route (validated once by the API middleware in workers/index.ts). */
const revisionParam = {
  name: 'revision',
  in: 'query',
  required: false,
  description:
    'Pin the dataset revision: a 40-hex commit sha (the served branch name is also accepted and means the same as leaving it out). Answers for a pinned sha are immutable and edge-cached.',
  schema: { type: 'string', pattern: '^[0-9a-f]{40}$' },
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/** Response headers (exposed to browsers through Access-Control-Expose-Headers). */
const HEADERS = {
  Link: {
    description:
      'RFC 8288 `<URL>; rel="next"`: the same query with `cursor` set, present while rows remain. Follow it until absent.',
    schema: { type: 'string' },
  },
  XRevision: {
    description: 'Commit sha the answer was read at.',
    schema: { type: 'string', pattern: '^[0-9a-f]{40}$' },
  },
  ETag: {
    description: 'Strong validator derived from the revision and the request; send it as If-None-Match.',
    schema: { type: 'string' },
  },
  RetryAfter: {
    description: 'Seconds to wait before asking again (RFC 9110 §10.2.3).',
    schema: { type: 'integer', minimum: 0 },
  },
  XRows: { description: 'Rows in this response.', schema: { type: 'integer', minimum: 0 } },
  XRowsTotal: {
    description: 'Rows matching the query, over every page.',
    schema: { type: 'integer', minimum: 0 },
  },
} as const

/** The headers every successful data answer carries. */
const dataHeaders = {
  ETag: { $ref: '#/components/headers/ETag' },
  'X-Revision': { $ref: '#/components/headers/XRevision' },
}

/** Every error status the API answers, each an RFC 9457 problem (`components.responses`). */
const ERRORS: Record<string, string> = {
  '400': 'Bad input: the problem names the parameter (`param`) and the value (`value`).',
  '404': 'Unknown id, config, chart, route or revision.',
  '405': 'Method other than GET, HEAD or OPTIONS (the API is read-only); `Allow` lists the methods.',
  '414': 'URL longer than 16,384 characters.',
  '429': 'Too many requests from this client: wait `Retry-After` seconds (the rate limit period).',
  '500': 'Internal error; the request can be retried.',
  '502': 'The Hub answered with an error (e.g. the dataset or revision is gone).',
  '503':
    'Temporarily unavailable (Hub rate limit or outage, storage failing, work still computed, layout too large): wait `Retry-After` seconds.',
  '504': 'The Hub did not answer in time: retry after `Retry-After` seconds.',
  '507': 'The row is larger than the memory budget one request may decode.',
}

function errorResponses(): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(ERRORS).map((s) => [s, { $ref: `#/components/responses/Problem${s}` }]),
  )
}

function op(
  summary: string,
  description: string,
  params: unknown[],
  ok: Record<string, unknown>,
  opts: { revision?: boolean; notModified?: boolean; extra?: Record<string, unknown> } = {},
) {
  const responses: Record<string, unknown> = { '200': ok }
  if (opts.notModified !== false) {
    responses['304'] = { description: 'Not modified (If-None-Match matched the ETag).' }
  }
  return {
    get: {
      summary,
      description,
      parameters: opts.revision === false ? params : [...params, revisionParam],
      responses: { ...responses, ...errorResponses(), ...opts.extra },
    },
  }
}

function json(schema: unknown, description: string, headers: Record<string, unknown> = dataHeaders) {
  return { description, headers, content: { 'application/json': { schema } } }
}

/** The OpenAPI document (built once per isolate). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hermes Trace Explorer API',
      version: '1.0.0',
      description:
        'Stats and step-by-step replays of lambda/hermes-agent-reasoning-traces, read lazily from the Hub. Every document names its dataset, revision (commit sha) and whether it is the generated sample. Errors are RFC 9457 problem+json. Requests are rate limited per client (429 with Retry-After).',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    paths: {
      '/api/datasets': op(
        'Dataset, revision and configs',
        'Configs with split, rows and bytes.',
        parameters(datasetsQuery, 'query'),
        json(ref('Datasets'), 'The dataset'),
      ),
      '/api/stats': op(
        'Statistics',
        'One config (`Stats`) or every config side by side (`StatsSet`). `complete: false` (with `coverage` and Retry-After) while slices are computed.',
        parameters(statsQuery, 'query'),
        json({ oneOf: [ref('Stats'), ref('StatsSet')] }, '`Stats` with `config`, else `StatsSet`', {
          ...dataHeaders,
          'Retry-After': { $ref: '#/components/headers/RetryAfter' },
        }),
      ),
      '/api/failures': op(
        'Failed calls grouped by error signature',
        `Failed tool calls (error taxonomy) grouped per config, tool, normalised error signature and kind, with exact counts, rows, recoveries (a later step called the same tool successfully) and up to 3 examples linking to the steps; by count descending. \`limit\` (default ${FAILURES_LIMIT_DEFAULT}, <= ${FAILURES_LIMIT_MAX}) caps the groups returned, \`total\` counts them all. Read from the same merged stats as \`/api/stats\`: \`complete: false\` (with \`coverage\` per config and Retry-After) while slices are computed. 400 naming \`tool\` for a tool no complete config ever called.`,
        parameters(failuresQuery, 'query'),
        json(ref('FailureList'), 'Failure groups', {
          ...dataHeaders,
          'Retry-After': { $ref: '#/components/headers/RetryAfter' },
        }),
      ),
      '/api/traces': op(
        'Row summaries, filtered and paged',
        'Filters combine with AND. `limit` <= 100 (default 20). Page with `offset`, or with the opaque `cursor` from `nextCursor` / `Link: rel="next"` (same pages; not both at once). A cursor is valid for the same filters at the same revision only: otherwise 400 naming `cursor`.',
        parameters(tracesQuery, 'query'),
        json(ref('TraceList'), 'A page of TraceSummary', {
          ...dataHeaders,
          Link: { $ref: '#/components/headers/Link' },
        }),
      ),
      '/api/search': op(
        'Full-text search over every message',
        'Words, "quoted phrases" and prefixes (`foo*`) must all occur in one message (AND; case-insensitive, Unicode NFKC; at most 8 terms, 200 characters). Hits are messages ranked by BM25 (k1 = 1.2, b = 0.75; document frequencies over the configs searched), ties by config, id, message; each names its replay `step` and carries a plain-text snippet with match offsets. `role` restricts the fields (`system`, `human`, `gpt` answer text, `think`, `call`, `tool`): a message matches when one of its matched terms occurs in one of them. `tool`: messages involving the tool; `error`: rows as `/api/traces` filters them. Page with the opaque `cursor` (`next` / `Link: rel="next"`). While the index of a searched config is being built: 503 `index-pending` with Retry-After and the build progress.',
        parameters(searchQuery, 'query'),
        json(ref('SearchAnswer'), 'A page of hits', {
          ...dataHeaders,
          Link: { $ref: '#/components/headers/Link' },
        }),
      ),
      '/api/trace/{id}': op(
        'One trace (replay JSON)',
        '`?format=` returns an export form (`TraceExport`) instead of the replay document (`Trace`).',
        [...parameters(traceParams, 'path'), ...parameters(traceQuery, 'query')],
        json({ oneOf: [ref('Trace'), ref('TraceExport')] }, 'The trace'),
      ),
      '/api/trace/{id}/sts.jsonl': op(
        'One trace as a Hub Session-Trace (STS) file',
        'The JSONL file the Hugging Face Hub trace viewer loads: a session header line, then one line per message. Sent as an attachment (`<id>.jsonl`).',
        parameters(traceParams, 'path'),
        {
          description: 'STS JSONL',
          headers: dataHeaders,
          content: { 'application/x-ndjson': { schema: { type: 'string' } } },
        },
      ),
      '/api/trace/{id}/same-task': op(
        'Rows with the same task',
        `The other rows, in any config, whose task text is identical (no normalisation) to this trace's: at most ${SAME_TASK_LIMIT} listed (card's config order, then row order), \`total\` counts them all. Served from the revision's same-task index, built from the row summaries: 503 + Retry-After while they are still computed.`,
        [...parameters(traceParams, 'path'), ...parameters(sameTaskQuery, 'query')],
        json(ref('SameTaskList'), 'Rows with the same task'),
      ),
      '/api/compare': op(
        'Two traces side by side',
        'The steps of trace `a` and trace `b` aligned by a global sequence alignment (Needleman–Wunsch) over step signatures (the sequence of tool names a step calls): a gap costs 1, two steps side by side 0 when their signatures are identical, else 0.5 + the Dice distance of their tool-name multisets; ties prefer pairing. Per step: calls with an argument preview and outcome, failures, reasoning and answer length (code points). `summary` sets the numbers side by side. An unknown id is a 404 naming `a` or `b`; `a` may equal `b`.',
        parameters(compareQuery, 'query'),
        json(ref('Comparison'), 'The comparison'),
      ),
      '/api/charts': op(
        'Chart names',
        'Every chart and its SVG URL.',
        [],
        json(ref('ChartList'), 'Charts', {}),
        {
          notModified: false,
        },
      ),
      '/api/charts/{name}.svg': op(
        'An embeddable SVG chart',
        `Chart names: ${CHART_NAMES.join(', ')}.`,
        [
          { name: 'name', in: 'path', required: true, schema: { type: 'string', enum: [...CHART_NAMES] } },
          ...parameters(chartsQuery, 'query'),
        ],
        {
          description: 'SVG',
          headers: dataHeaders,
          content: { 'image/svg+xml': { schema: { type: 'string' } } },
        },
      ),
      '/api/export.jsonl': op(
        'Export matching rows as JSONL',
        `One row per line: \`{"id", ...the format fields}\`, one bounded page per response: at most \`limit\` rows (default ${EXPORT_LIMIT_DEFAULT}, <= ${EXPORT_LIMIT_MAX}), streamed slice by slice. While rows remain the answer carries \`Link: <…>; rel="next"\` (the same query with an opaque \`cursor\`); follow it until absent. A page may hold fewer than \`limit\` rows before the end. A cursor is valid for the same config, format and filters at the same revision only: otherwise 400 naming \`cursor\`. 503 + Retry-After while summaries are computed.`,
        parameters(exportQuery, 'query'),
        {
          description: 'JSONL (one page)',
          content: { 'application/x-ndjson': { schema: { type: 'string' } } },
          headers: {
            Link: { $ref: '#/components/headers/Link' },
            'X-Rows': { $ref: '#/components/headers/XRows' },
            'X-Rows-Total': { $ref: '#/components/headers/XRowsTotal' },
            'X-Revision': { $ref: '#/components/headers/XRevision' },
          },
        },
        { notModified: false },
      ),
      '/api/oembed': op(
        'oEmbed for charts and embed pages',
        'oEmbed 1.0 (https://oembed.com): `url` is a chart page (`/embed/<chart>/`) or a chart SVG (`/api/charts/<name>.svg`) of this site; the answer is a `rich` type with an `<iframe>`. 404 for other URLs; 501 for `format=xml`.',
        parameters(oembedQuery, 'query'),
        json(ref('OEmbed'), 'The oEmbed answer', {}),
        {
          notModified: false,
          revision: false,
          extra: {
            '501': {
              description: '`format=xml`: only JSON is implemented (oEmbed 1.0 §2.3.5).',
              content: { 'application/problem+json': { schema: ref('Problem') } },
            },
          },
        },
      ),
      '/api/health': op(
        'Operator health',
        'Resolved revision, per-config completeness of the id index, stats and summaries, cache hit ratios, memory and queue counters. Never cached; 503 (`status: degraded`, same body, Retry-After) when storage fails.',
        parameters(healthQuery, 'query'),
        json(ref('Health'), 'Healthy', { 'X-Revision': { $ref: '#/components/headers/XRevision' } }),
        {
          notModified: false,
          extra: {
            '503': {
              description:
                'Degraded: the storage cannot be read (`status: degraded`, the same body), or a problem when the revision cannot be resolved at all.',
              headers: {
                'Retry-After': { $ref: '#/components/headers/RetryAfter' },
                'X-Revision': { $ref: '#/components/headers/XRevision' },
              },
              content: {
                'application/json': { schema: ref('Health') },
                'application/problem+json': { schema: ref('Problem') },
              },
            },
          },
        },
      ),
      '/api/openapi.json': op(
        'This document',
        'OpenAPI 3.1.',
        [],
        { description: 'OpenAPI', content: { 'application/json': { schema: { type: 'object' } } } },
        { notModified: false, revision: false },
      ),
      '/api/docs': op(
        'API reference (interactive)',
        'Swagger UI over this document: an HTML page whose script and stylesheet are static files of this origin (no CDN); needs JavaScript. `/api/docs/plain` is the same reference without it.',
        [],
        { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } },
        { notModified: false, revision: false },
      ),
      '/api/docs/plain': op(
        'API reference (plain HTML)',
        'This document rendered as one self-contained HTML page (no script): every path with its parameters and responses, every schema with its properties.',
        [],
        { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } },
        { notModified: false, revision: false },
      ),
    },
    components: {
      schemas: componentSchemas(),
      headers: HEADERS,
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([status, description]) => [
          `Problem${status}`,
          {
            description,
            headers: ['429', '503', '504', '502'].includes(status)
              ? { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } }
              : {},
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
        ]),
      ),
    },
  }
}

let cached: string | null = null

/** The document as JSON text (built once per isolate). */
export function openApiJson(): string {
  cached ??= JSON.stringify(openApiDocument())
  return cached
}

export const openapi = new Hono<AppEnv>().get('/', (c) =>
  c.body(openApiJson(), 200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'public, max-age=3600',
    'access-control-allow-origin': '*',
  }),
)
