/**
 * The Worker: Hono app for `/api/*` (one sub-app per route group), the trace-viewer permalinks, and the Queue
 * consumer that computes stats slices. Owns error rendering: every failure becomes RFC 9457 problem+json.
 */
import { type Context, Hono } from 'hono'
import { cors } from 'hono/cors'
import { DataContext, SHA } from './data/context.ts'
import { UpstreamError } from './data/hub.ts'
import type { SliceMessage } from './data/slices.ts'
import { StorageError } from './data/storage.ts'
import { edgeCacheMatch, edgeCachePut } from './edge-cache.ts'
import type { AppEnv, Bindings } from './env.ts'
import { log } from './log.ts'
import { badParam, HttpProblem, problemResponse } from './problem.ts'
import { queue } from './queue.ts'
import { rateLimitCheck } from './ratelimit.ts'
import { charts } from './routes/charts.ts'
import { compare } from './routes/compare.ts'
import { datasets } from './routes/datasets.ts'
import { docs } from './routes/docs.ts'
import { exportJsonl } from './routes/export.ts'
import { failures } from './routes/failures.ts'
import { health } from './routes/health.ts'
import { oembed } from './routes/oembed.ts'
import { openapi } from './routes/openapi.ts'
import { sameTask } from './routes/same-task.ts'
import { search } from './routes/search.ts'
import { stats } from './routes/stats.ts'
import { sts } from './routes/sts.ts'
import { trace } from './routes/trace.ts'
import { traces } from './routes/traces.ts'
import { scheduled } from './scheduled.ts'
import { useWasmSnappy } from './snappy.ts'

const MAX_URL = 16_384

useWasmSnappy()

const app = new Hono<AppEnv>()

/** The pinned revision of a request (`?revision=<sha>`), validated; undefined when not pinned. */
function pinnedRevision(url: URL, configured: string): string | undefined {
  const all = url.searchParams.getAll('revision')
  if (all.length === 0) return undefined
  if (all.length > 1) throw badParam('revision', all[1] ?? '', 'parameter given more than once')
  const value = all[0] as string
  if (value === configured) return undefined
  if (!SHA.test(value)) {
    throw badParam('revision', value, 'revision must be a 40-hex commit sha (or the served branch)')
  }
  return value
}

/**
 * CORS for every API answer (errors included): any origin may read it, preflights are answered here (204)
 * and cached for a day. The exposed headers are the union of what the routes send.
 */
app.use(
  '/api/*',
  cors({
    origin: '*',
    allowMethods: ['GET', 'HEAD', 'OPTIONS'],
    allowHeaders: ['If-None-Match', 'Content-Type'],
    maxAge: 86400,
    exposeHeaders: ['ETag', 'X-Revision', 'Retry-After', 'Link', 'X-Rows', 'X-Rows-Total', 'X-Cache'],
  }),
)

app.use('/api/*', async (c, next) => {
  const started = Date.now()
  const method = c.req.method
  if (method !== 'GET' && method !== 'HEAD') {
    throw new HttpProblem(
      405,
      'method-not-allowed',
      `method ${method} is not allowed: the API is read-only (GET, HEAD)`,
      {
        headers: { allow: 'GET, HEAD, OPTIONS' },
      },
    )
  }
  if (c.req.url.length > MAX_URL) {
    throw new HttpProblem(
      414,
      'uri-too-long',
      `the URL is ${c.req.url.length} characters long (limit ${MAX_URL})`,
    )
  }
  const url = new URL(c.req.url)
  const revision = pinnedRevision(url, c.env.HF_REVISION || 'main')
  const data = new DataContext(c.env, (p) => c.executionCtx.waitUntil(p), { revision })
  c.set('data', data)
  let edgeHit = false
  try {
    const hit = revision ? await edgeCacheMatch(c.req.raw) : undefined
    if (hit) {
      edgeHit = true
      const headers = new Headers(hit.headers)
      headers.set('x-cache', 'HIT')
      c.res = new Response(hit.body, { status: hit.status, headers })
      return
    }
    await next()
    if (revision) edgeCachePut(c.req.raw, c.res, (p) => data.keepAlive(p))
  } finally {
    // Shared work and write-backs this request started outlive its response; then the context retires.
    c.executionCtx.waitUntil(data.retire())
    log({
      event: 'request',
      method,
      route: c.req.routePath,
      path: url.pathname,
      status: c.res.status,
      ms: Date.now() - started,
      revision: revision ?? null,
      edgeHit,
      ...data.traffic,
    })
  }
})

// Per-client rate limits (workers/ratelimit.ts), inside the middleware above so 429s are logged like any answer.
app.use('/api/*', async (c, next) => {
  await rateLimitCheck(c.env, c.req.raw, new URL(c.req.url).pathname)
  await next()
})

app.route('/api/datasets', datasets)
app.route('/api/stats', stats)
app.route('/api/failures', failures)
app.route('/api/traces', traces)
app.route('/api/search', search)
app.route('/api/trace', sts)
app.route('/api/trace', sameTask)
app.route('/api/trace', trace)
app.route('/api/charts', charts)
app.route('/api/compare', compare)
app.route('/api/export.jsonl', exportJsonl)
app.route('/api/openapi.json', openapi)
app.route('/api/health', health)
app.route('/api/oembed', oembed)
app.route('/api/docs', docs)

// Trace permalinks (/trace/<id>, /trace/, /trace/?id=<id>, /trace/<id>/): the static viewer page reads the id
// from the URL.
app.get('/trace/*', async (c) => {
  const url = new URL(c.req.url)
  url.pathname = '/trace/'
  return c.env.ASSETS.fetch(new Request(url, c.req.raw))
})

// The trace comparison page (/compare/trace?a=<id>&b=<id>, with or without the trailing slash): the static page
// reads both ids from the query. `/compare/` itself (the two-configs page) stays a plain asset.
const comparePage = async (c: Context<AppEnv>) => {
  const url = new URL(c.req.url)
  url.pathname = '/compare/trace/'
  return c.env.ASSETS.fetch(new Request(url, c.req.raw))
}
app.get('/compare/trace', comparePage)
app.get('/compare/trace/', comparePage)

app.notFound((c) => {
  const path = new URL(c.req.url).pathname
  const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path
  return problemResponse(
    new HttpProblem(404, 'not-found', `no route ${JSON.stringify(shown)} (see /api/openapi.json)`),
    shown,
  )
})

app.onError((err, c) => {
  const instance = new URL(c.req.url).pathname.slice(0, 200)
  if (err instanceof HttpProblem) return problemResponse(err, instance)
  if (err instanceof UpstreamError) {
    return problemResponse(
      new HttpProblem(err.status, 'upstream', err.message, {
        retryAfter: Math.max(1, Math.ceil(err.retryAfter || 5)),
      }),
      instance,
    )
  }
  if (err instanceof StorageError) {
    return problemResponse(
      new HttpProblem(503, 'storage', `the cache storage is failing (${err.message}); retry shortly`, {
        retryAfter: 5,
      }),
      instance,
    )
  }
  console.error('unhandled error', err)
  return problemResponse(
    new HttpProblem(500, 'internal', 'internal error; the request can be retried'),
    instance,
  )
})

export default { fetch: app.fetch, queue, scheduled } satisfies ExportedHandler<Bindings, SliceMessage>

export { app }
