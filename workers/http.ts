/**
 * Response helpers shared by the route groups: JSON with provenance headers, strong ETags derived from the
 * revision and the request, `If-None-Match` -> 304, and Cache-Control policies.
 */
import type { Context } from 'hono'
import { IMMUTABLE } from './edge-cache.ts'
import type { AppEnv } from './env.ts'

/** Cache policies by how stable the answer is. */
export const CACHE = {
  /** Depends only on the revision (a trace, a complete stats document, the dataset list). */
  revision: 'public, max-age=300, stale-while-revalidate=86400',
  /** Charts: stable URLs for embeds. */
  chart: 'public, max-age=3600, stale-while-revalidate=86400',
  /** Still being computed (incomplete stats). */
  partial: 'public, max-age=5',
} as const

/** FNV-1a 32-bit hash, hex: short, stable ETag material. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** ETag of a representation: revision + what was asked (path and sorted query) + a content discriminator. */
export function etagOf(revision: string, c: Context<AppEnv>, extra = ''): string {
  const url = new URL(c.req.url)
  const params = [...url.searchParams.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return `"${revision.slice(0, 12)}-${fnv1a(`${url.pathname}?${new URLSearchParams(params)}#${extra}`)}"`
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

/** Answer a body (JSON value or prepared text) with ETag, Cache-Control and X-Revision; 304 when it matches. */
export function sendRepresentation(
  c: Context<AppEnv>,
  opts: { revision: string; body: string; contentType: string; cache: string; etagExtra?: string },
): Response {
  const etag = etagOf(opts.revision, c, opts.etagExtra)
  // A pinned sha's complete answers never change (edge-cache.ts stores them).
  const pinned = c.get('data')?.pinned && (opts.cache === CACHE.revision || opts.cache === CACHE.chart)
  const headers: Record<string, string> = {
    etag,
    'cache-control': pinned ? IMMUTABLE : opts.cache,
    'x-revision': opts.revision,
    'x-content-type-options': 'nosniff',
    vary: 'Accept-Encoding',
  }
  if (matches(c.req.header('if-none-match'), etag)) return new Response(null, { status: 304, headers })
  return new Response(c.req.method === 'HEAD' ? null : opts.body, {
    status: 200,
    headers: { ...headers, 'content-type': opts.contentType },
  })
}

/** JSON convenience over `sendRepresentation`. */
export function sendJson(
  c: Context<AppEnv>,
  revision: string,
  value: unknown,
  cache: string = CACHE.revision,
  etagExtra = '',
): Response {
  return sendJsonText(c, revision, JSON.stringify(value), cache, etagExtra)
}

/** JSON text already serialised (a cached document): sent as it is. */
export function sendJsonText(
  c: Context<AppEnv>,
  revision: string,
  json: string,
  cache: string = CACHE.revision,
  etagExtra = '',
): Response {
  return sendRepresentation(c, {
    revision,
    body: json,
    contentType: 'application/json; charset=utf-8',
    cache,
    etagExtra,
  })
}
