/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document, its parameters generated from the zod schemas that
 * validate the requests (one source of truth).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { CHART_NAMES } from '../../shared/charts.ts'
import type { AppEnv } from '../env.ts'
import { chartsQuery } from './charts.ts'
import { datasetsQuery } from './datasets.ts'
import { EXPORT_LIMIT_DEFAULT, EXPORT_LIMIT_MAX, exportQuery } from './export.ts'
import { statsQuery } from './stats.ts'
import { traceParams, traceQuery } from './trace.ts'
import { tracesQuery } from './traces.ts'

type JsonSchema = { properties?: Record<string, Record<string, unknown>>; required?: string[] }

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

const problem = { $ref: '#/components/responses/Problem' }
const errors = {
  '400': problem,
  '404': problem,
  '405': problem,
  '502': problem,
  '503': problem,
  '504': problem,
}

function op(summary: string, description: string, params: unknown[], ok: Record<string, unknown>) {
  return {
    get: {
      summary,
      description,
      parameters: params,
      responses: {
        '200': ok,
        '304': { description: 'Not modified (If-None-Match matched the ETag).' },
        ...errors,
      },
    },
  }
}

function json(ref: string, description: string) {
  return { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } }
}

/** Response headers of the paged routes (exposed to browsers through Access-Control-Expose-Headers). */
const linkHeader = {
  description:
    'RFC 8288 `<URL>; rel="next"`: the same query with `cursor` set, present while rows remain. Follow it until absent.',
  schema: { type: 'string' },
}
const revisionHeader = { description: 'Commit sha the answer was read at.', schema: { type: 'string' } }

/** The OpenAPI document (built once per isolate). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hermes Trace Explorer API',
      version: '1.0.0',
      description:
        'Stats and step-by-step replays of lambda/hermes-agent-reasoning-traces, read lazily from the Hub. Every document names its dataset, revision (commit sha) and whether it is the generated sample. Errors are RFC 9457 problem+json.',
    },
    paths: {
      '/api/datasets': op(
        'Dataset, revision and configs',
        'Configs with split, rows and bytes.',
        parameters(datasetsQuery, 'query'),
        json('Datasets', 'The dataset'),
      ),
      '/api/stats': op(
        'Statistics',
        'One config (`Stats`) or every config side by side (`StatsSet`). `complete: false` while slices are computed.',
        parameters(statsQuery, 'query'),
        json('Stats', 'Stats or StatsSet'),
      ),
      '/api/traces': op(
        'Row summaries, filtered and paged',
        'Filters combine with AND. `limit` <= 100 (default 20). Page with `offset`, or with the opaque `cursor` from `nextCursor` / `Link: rel="next"` (same pages; not both at once). A cursor is valid for the same filters at the same revision only: otherwise 400 naming `cursor`.',
        parameters(tracesQuery, 'query'),
        {
          ...json('TraceList', 'A page of TraceSummary'),
          headers: { Link: linkHeader, 'X-Revision': revisionHeader },
        },
      ),
      '/api/trace/{id}': op(
        'One trace (replay JSON)',
        '`?format=` returns an export form instead.',
        [...parameters(traceParams, 'path'), ...parameters(traceQuery, 'query')],
        json('Trace', 'The trace'),
      ),
      '/api/charts/{name}.svg': op(
        'An embeddable SVG chart',
        `Chart names: ${CHART_NAMES.join(', ')}.`,
        [
          { name: 'name', in: 'path', required: true, schema: { type: 'string', enum: [...CHART_NAMES] } },
          ...parameters(chartsQuery, 'query'),
        ],
        { description: 'SVG', content: { 'image/svg+xml': { schema: { type: 'string' } } } },
      ),
      '/api/export.jsonl': op(
        'Export matching rows as JSONL',
        `One row per line: \`{"id", ...the format fields}\`, one bounded page per response: at most \`limit\` rows (default ${EXPORT_LIMIT_DEFAULT}, <= ${EXPORT_LIMIT_MAX}), streamed slice by slice. While rows remain the answer carries \`Link: <…>; rel="next"\` (the same query with an opaque \`cursor\`); follow it until absent. A page may hold fewer than \`limit\` rows before the end. A cursor is valid for the same config, format and filters at the same revision only: otherwise 400 naming \`cursor\`. 503 + Retry-After while summaries are computed.`,
        parameters(exportQuery, 'query'),
        {
          description: 'JSONL (one page)',
          content: { 'application/x-ndjson': { schema: { type: 'string' } } },
          headers: {
            Link: linkHeader,
            'X-Rows': { description: 'Rows in this response.', schema: { type: 'integer' } },
            'X-Rows-Total': {
              description: 'Rows matching the query, over every page.',
              schema: { type: 'integer' },
            },
            'X-Revision': revisionHeader,
          },
        },
      ),
      '/api/openapi.json': op('This document', 'OpenAPI 3.1.', [], {
        description: 'OpenAPI',
        content: { 'application/json': {} },
      }),
    },
    components: {
      responses: {
        Problem: {
          description:
            'RFC 9457 problem details naming the bad value; 503 and 429-caused errors carry Retry-After.',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            param: { type: 'string' },
            value: { type: 'string' },
            retryAfter: { type: 'integer' },
          },
        },
        Datasets: { type: 'object', description: 'See shared/types.ts and README "API".' },
        Stats: {
          type: 'object',
          description:
            'Stats (shared/types.ts): seed block, totals, averages, distributions, error taxonomy.',
        },
        TraceList: {
          type: 'object',
          description:
            '{ total, offset, limit, nextCursor, items: TraceSummary[] } plus provenance and coverage; `nextCursor` is the opaque cursor of the next page, null at the end.',
        },
        Trace: {
          type: 'object',
          description: 'Trace (shared/types.ts): messages, steps, summary, warnings.',
        },
      },
    },
  }
}

let cached: string | null = null

export const openapi = new Hono<AppEnv>().get('/', (c) => {
  cached ??= JSON.stringify(openApiDocument())
  return c.body(cached, 200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'public, max-age=3600',
    'access-control-allow-origin': '*',
  })
})
