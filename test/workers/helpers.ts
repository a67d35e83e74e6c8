/**
 * Helpers of the workers tests (run inside workerd): call the Worker, drive the Hub stand-in's faults and log,
 * and reset every cache so cold paths are really cold.
 */
import { env, exports } from 'cloudflare:workers'
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
