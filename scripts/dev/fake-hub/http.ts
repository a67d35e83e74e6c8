/**
 * HTTP plumbing of the Hub stand-in: the request log entry, small JSON / text answers (with the Hub's error
 * headers), files with RFC 9110 single ranges streamed from disk, truncation and dropped connections for
 * faults, and the Hub's rate-limit headers.
 */
import { createReadStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream'
import type { ActiveFault, FaultName } from './faults.ts'
import type { FakeHubFile } from './repo.ts'

/** What the request log records for each answered (or dropped) request. Control requests are not logged. */
export interface FakeHubRequest {
  method: string
  /** Decoded path without query, e.g. `/__cdn/<sha>/data/kimi/train.parquet`. */
  path: string
  /** Raw query string including `?`, or `''`. */
  query: string
  kind: 'api' | 'resolve' | 'cdn' | 'other'
  /** The `Range` header as sent, or null. */
  range: string | null
  /** Status sent; 0 when the connection was dropped. */
  status: number
  /** Body bytes sent so far (final once the response has finished; partial for `truncate`). */
  bytes: number
  /** Faults that acted on this request. */
  faults: FaultName[]
  /** An `Authorization` header was present. */
  auth: boolean
}

/** The Hub's rate-limit windows (5 minutes) and anonymous quotas per bucket. */
export const RATE_WINDOW_S = 300
export const RATE_QUOTA = { api: 500, resolvers: 3000 } as const

/** Headers a browser client may read (the stand-in answers CORS like the Hub). */
export const EXPOSED_HEADERS = [
  'X-Repo-Commit',
  'X-Linked-Size',
  'X-Linked-Etag',
  'X-Error-Code',
  'X-Error-Message',
  'X-Request-Id',
  'ETag',
  'Link',
  'Content-Range',
  'Accept-Ranges',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'Location',
].join(', ')

/** Per-request state handed to the route handlers. */
export interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  entry: FakeHubRequest
  head: boolean
  /** Consume a fault for this request (records it in the log entry). */
  take: (name: FaultName) => ActiveFault | null
  /** Append the entry to the log (once the status is known). */
  log: () => void
  baseHeaders: Record<string, string>
}

export function sendJson(
  ctx: Ctx,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  // The Hub repeats an error's message in `X-Error-Message` (huggingface.js reads it).
  const message = status >= 400 ? (body as { error?: unknown }).error : undefined
  sendText(ctx, status, JSON.stringify(body), {
    'Content-Type': 'application/json; charset=utf-8',
    ...(typeof message === 'string' ? { 'X-Error-Message': message.replace(/[^\x20-\x7e]/g, '?') } : {}),
    ...headers,
  })
}

/** Send a small in-memory body (JSON, redirect text); `truncate` applies to 2xx bodies. */
export function sendText(ctx: Ctx, status: number, text: string, headers: Record<string, string>): void {
  const body = Buffer.from(text)
  ctx.res.writeHead(status, { ...ctx.baseHeaders, ...headers, 'Content-Length': String(body.length) })
  ctx.entry.status = status
  ctx.log()
  if (ctx.head || body.length === 0) {
    ctx.res.end()
    return
  }
  const truncate = status >= 200 && status < 300 ? ctx.take('truncate') : null
  if (!truncate) {
    ctx.entry.bytes = body.length
    ctx.res.end(body)
    return
  }
  const send = truncatedLength(truncate, body.length)
  ctx.entry.bytes = send
  if (send > 0) ctx.res.write(body.subarray(0, send))
  else ctx.res.flushHeaders()
  cut(ctx.res)
}

export function repoNotFound(ctx: Ctx): void {
  sendJson(ctx, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' })
}

export function revisionNotFound(ctx: Ctx, rev: string): void {
  sendJson(ctx, 404, { error: `Invalid rev id: ${rev}` }, { 'X-Error-Code': 'RevisionNotFound' })
}

export function truncatedLength(fault: ActiveFault, length: number): number {
  const want = fault.bytes ?? Math.floor(length / 2)
  return Math.max(0, Math.min(length - 1, want))
}

/**
 * End the connection after what was written so far has been flushed: the client sees fewer bytes than
 * Content-Length promised. (`end()` sends FIN after the queued data; a bare `destroy()` could lose it.)
 */
export function cut(res: ServerResponse): void {
  const socket = res.socket
  if (!socket) return
  socket.end()
  setTimeout(() => socket.destroy(), 1000).unref()
}

/**
 * Parse a `Range` header against a representation of `total` bytes (RFC 9110 §14.1.2).
 * Returns the inclusive range, `'unsatisfiable'` (answer 416), or null to ignore the header and send
 * the whole file: a malformed header, or several ranges (object stores such as S3 do not serve multipart).
 */
export function parseRange(
  header: string,
  total: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (!m) return null
  const [, a = '', b = ''] = m
  if (a === '' && b === '') return null
  if (a === '') {
    const n = Number(b)
    if (n === 0 || total === 0) return 'unsatisfiable'
    return { start: Math.max(0, total - n), end: total - 1 }
  }
  const start = Number(a)
  if (b !== '' && Number(b) < start) return null // last < first: invalid, so ignored
  if (start >= total) return 'unsatisfiable'
  return { start, end: b === '' ? total - 1 : Math.min(Number(b), total - 1) }
}

export function rateLimitHeaders(
  bucket: 'api' | 'resolvers',
  remaining: number,
  windowStart: number,
  resetSeconds?: number,
): Record<string, string> {
  const elapsed = Math.floor((Date.now() - windowStart) / 1000)
  const t = resetSeconds ?? RATE_WINDOW_S - (elapsed % RATE_WINDOW_S)
  return {
    RateLimit: `"${bucket}";r=${Math.max(0, remaining)};t=${t}`,
    'RateLimit-Policy': `"fixed window";"${bucket}";q=${RATE_QUOTA[bucket]};w=${RATE_WINDOW_S}`,
  }
}

/** 200 / 206 / 416 for a file, honouring a single `Range` (RFC 9110 §14), streamed from disk. */
export function serveFile(ctx: Ctx, abs: string, file: FakeHubFile, headers: Record<string, string>) {
  const total = file.size
  let rangeHeader = ctx.req.headers.range
  if (rangeHeader !== undefined && ctx.take('ignoreRange')) rangeHeader = undefined
  const range = rangeHeader === undefined ? null : parseRange(rangeHeader, total)
  const common = { ...headers, 'Accept-Ranges': 'bytes' }
  if (range === 'unsatisfiable') {
    return sendText(ctx, 416, '', { ...common, 'Content-Range': `bytes */${total}` })
  }
  const start = range ? range.start : 0
  const length = range ? range.end - range.start + 1 : total
  const status = range ? 206 : 200
  ctx.res.writeHead(status, {
    ...ctx.baseHeaders,
    ...common,
    'Content-Length': String(length),
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${total}` } : {}),
  })
  ctx.entry.status = status
  ctx.log()
  if (ctx.head || length === 0) {
    ctx.res.end()
    return
  }
  const truncate = ctx.take('truncate')
  const send = truncate ? truncatedLength(truncate, length) : length
  if (send === 0) {
    ctx.res.flushHeaders()
    cut(ctx.res)
    return
  }
  const stream = createReadStream(abs, { start, end: start + send - 1 })
  stream.on('data', (chunk) => {
    ctx.entry.bytes += chunk.length
  })
  if (!truncate) {
    pipeline(stream, ctx.res, () => {})
    return
  }
  ctx.res.on('close', () => stream.destroy())
  stream.pipe(ctx.res, { end: false })
  stream.on('end', () => cut(ctx.res))
  stream.on('error', () => ctx.res.destroy())
}

export function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error(`request body over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
