/**
 * Helpers of the workers tests (run inside workerd): call the Worker, drive the Hub stand-in's faults and log,
 * and reset every cache so cold paths are really cold.
 */

import { env, exports } from 'cloudflare:workers'
import { Validator } from '@cfworker/json-schema'
import { asyncBufferFromUrl, parquetReadObjects } from 'hyparquet'
import { inject } from 'vitest'
import { clearBlockMemory } from '../../workers/data/block-cache.ts'
import { clearIsolateMemos, settleWrites } from '../../workers/data/context.ts'
import { clearSliceMemos } from '../../workers/data/slices.ts'

/** Base URL of the Hub stand-in. */
export const hubUrl = (): string => inject('hubUrl')

/** Call the Worker under test. */
export function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://explorer.test${path}`, init))
}

/** JSON of a Worker response (asserting the status). */
export async function apiJson<T = Record<string, unknown>>(path: string, status = 200): Promise<T> {
  const res = await api(path)
  if (res.status !== status)
    throw new Error(`${path}: expected ${status}, got ${res.status}: ${await res.text()}`)
  return (await res.json()) as T
}

/** One request the Hub stand-in served. */
export interface HubRequest {
  method: string
  path: string
  kind: 'api' | 'resolve' | 'cdn' | 'other'
  range: string | null
  status: number
  bytes: number
}

async function control(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(`${hubUrl()}/__control/${path}`, init)
  if (!res.ok) throw new Error(`fake hub control ${path}: ${res.status} ${await res.text()}`)
  return res
}

/** Replace the stand-in's faults (see scripts/dev/fake-hub/faults.ts `Faults`). */
export async function setFaults(faults: Record<string, unknown>): Promise<void> {
  await control('faults', {
    method: 'POST',
    body: JSON.stringify(faults),
    headers: { 'content-type': 'application/json' },
  })
}

/** Clear the stand-in's faults and request log. */
export async function resetHub(): Promise<void> {
  await control('reset', { method: 'POST' })
}

/** Requests the stand-in served since the last reset. */
export async function hubLog(): Promise<HubRequest[]> {
  const body = (await (await control('log')).json()) as { requests: HubRequest[] }
  return body.requests
}

/** Delete every R2 object and forget every per-isolate cache: the next request is cold. */
export async function coldStart(): Promise<void> {
  await settleWrites()
  let cursor: string | undefined
  do {
    const page = await env.CACHE.list({ cursor })
    if (page.objects.length > 0) await env.CACHE.delete(page.objects.map((o) => o.key))
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
  clearIsolateMemos()
  clearBlockMemory()
  clearSliceMemos()
  await resetHub()
}

/** Wait until `fn` returns a value (polling), or fail after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | null | undefined>, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== null && v !== undefined) return v
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** The id at a row of a config, read straight from the stand-in (not through the Worker). */
export async function findIdAtRow(config: string, row: number): Promise<string> {
  const url = `${hubUrl()}/datasets/lambda/hermes-agent-reasoning-traces/resolve/main/data/${config}/train.parquet`
  const file = await asyncBufferFromUrl({ url })
  const rows = await parquetReadObjects({ file, columns: ['id'], rowStart: row, rowEnd: row + 1 })
  return String(rows[0]?.id)
}

type OpenApiObject = Record<string, unknown>
let openApiText: Promise<string> | undefined
const openApiValidators = new Map<string, Validator>()

/** The operation of the served OpenAPI document whose path template matches `pathname`. */
function openApiOperation(doc: OpenApiObject, pathname: string): [string, OpenApiObject] {
  const paths = doc.paths as Record<string, { get: OpenApiObject }>
  for (const [template, item] of Object.entries(paths)) {
    const pattern = template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')
    if (new RegExp(`^${pattern}/?$`).test(pathname)) return [template, item.get]
  }
  throw new Error(`${pathname}: no path of /api/openapi.json matches`)
}

/**
 * Assert that a real answer of the Worker is what `/api/openapi.json` documents for it: the status is listed for
 * the path, the media type is one of the response's, a JSON body validates against the response schema
 * (@cfworker/json-schema, JSON Schema 2020-12, inside workerd) and documented headers have valid values.
 * Returns the parsed JSON body (or the text).
 */
export async function expectMatchesOpenApi(path: string, res: Response): Promise<unknown> {
  openApiText ??= api('/api/openapi.json').then((r) => r.text())
  const doc = JSON.parse(await openApiText) as OpenApiObject
  const components = doc.components as { responses: Record<string, OpenApiObject>; headers: OpenApiObject }
  const where = `${path} -> ${res.status}`
  const [template, op] = openApiOperation(doc, new URL(path, 'https://explorer.test').pathname)
  let response = (op.responses as Record<string, OpenApiObject>)[String(res.status)]
  if (!response) throw new Error(`${where}: status not documented for ${template}`)
  if (typeof response.$ref === 'string') {
    response = components.responses[response.$ref.split('/').pop() as string] as OpenApiObject
  }
  const text = await res.text()
  const content = response.content as Record<string, { schema?: OpenApiObject }> | undefined
  if (res.status === 304 || res.status === 204) return text
  const media = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? ''
  if (!content || !(media in content)) {
    throw new Error(
      `${where}: content-type ${media} not documented (${Object.keys(content ?? {}).join(', ')})`,
    )
  }
  for (const [name, header] of Object.entries((response.headers as Record<string, OpenApiObject>) ?? {})) {
    const value = res.headers.get(name)
    if (value === null) continue
    const def = (
      typeof header.$ref === 'string' ? components.headers[header.$ref.split('/').pop() as string] : header
    ) as {
      schema: OpenApiObject
    }
    const instance = def.schema.type === 'integer' ? Number(value) : value
    const check = new Validator(def.schema as never, '2020-12', false).validate(instance)
    if (!check.valid)
      throw new Error(
        `${where}: header ${name}: ${JSON.stringify(value)} does not match ${JSON.stringify(def.schema)}`,
      )
  }
  if (media !== 'application/json' && !media.endsWith('+json')) return text
  const schema = content[media]?.schema
  const body = JSON.parse(text) as unknown
  if (!schema) return body
  const key = JSON.stringify(schema)
  let validator = openApiValidators.get(key)
  if (!validator) {
    // Refs are `#/components/schemas/…`: the root carries the document's components beside the response schema.
    validator = new Validator({ ...schema, components: doc.components } as never, '2020-12', false)
    openApiValidators.set(key, validator)
  }
  const result = validator.validate(body)
  if (!result.valid) {
    const errors = result.errors.slice(-6).map((e) => `${e.instanceLocation} ${e.keyword}: ${e.error}`)
    throw new Error(`${where}: body does not match ${key}:\n${errors.join('\n')}`)
  }
  return body
}
