/**
 * The Worker: Hono app for `/api/*` (one sub-app per route group), the trace-viewer permalinks, and the Queue
 * consumer that computes stats slices. Owns error rendering: every failure becomes RFC 9457 problem+json.
 */
import { Hono } from 'hono'
import { DataContext, settleWrites } from './data/context.ts'
import { UpstreamError } from './data/hub.ts'
import { computeSlice, type SliceMessage } from './data/slices.ts'
import type { AppEnv, Bindings } from './env.ts'
import { HttpProblem, problemResponse } from './problem.ts'
import { charts } from './routes/charts.ts'
import { datasets } from './routes/datasets.ts'
import { exportJsonl } from './routes/export.ts'
import { openapi } from './routes/openapi.ts'
import { stats } from './routes/stats.ts'
import { trace } from './routes/trace.ts'
import { traces } from './routes/traces.ts'

const MAX_URL = 16_384

const app = new Hono<AppEnv>()

app.use('/api/*', async (c, next) => {
  const method = c.req.method
  if (method === 'OPTIONS') {
    return new Response(null, {
      status: 204,
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': 'If-None-Match, Content-Type',
        'access-control-max-age': '86400',
      },
    })
  }
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
  c.set('data', new DataContext(c.env, (p) => c.executionCtx.waitUntil(p)))
  try {
    await next()
  } finally {
    // Shared in-flight work and write-backs outlive this response (see memo.ts); then the context retires.
    const data = c.get('data')
    c.executionCtx.waitUntil(
      settleWrites().finally(() => {
        data.alive = false
      }),
    )
  }
})

app.route('/api/datasets', datasets)
app.route('/api/stats', stats)
app.route('/api/traces', traces)
app.route('/api/trace', trace)
app.route('/api/charts', charts)
app.route('/api/export.jsonl', exportJsonl)
app.route('/api/openapi.json', openapi)

// Trace permalinks (/trace/<id>, /trace/, /trace/?id=<id>, /trace/<id>/): the static viewer page reads the id
// from the URL.
app.get('/trace/*', async (c) => {
  const url = new URL(c.req.url)
  url.pathname = '/trace/'
  return c.env.ASSETS.fetch(new Request(url, c.req.raw))
})

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
  console.error('unhandled error', err)
  return problemResponse(
    new HttpProblem(500, 'internal', 'internal error; the request can be retried'),
    instance,
  )
})

/** Queue consumer: compute the stats slices sent by `/api/stats`. */
async function queue(batch: MessageBatch<SliceMessage>, env: Bindings, ctx: ExecutionContext): Promise<void> {
  const data = new DataContext(env, (p) => ctx.waitUntil(p))
  const info = await data.revision()
  for (const message of batch.messages) {
    const m = message.body
    if (m.sha !== info.revision || m.dataset !== info.dataset) {
      message.ack() // a slice of another revision: nothing to do any more
      continue
    }
    try {
      await computeSlice(data, m.config, { start: m.start, end: m.end })
      message.ack()
    } catch (err) {
      const wait = err instanceof UpstreamError ? Math.max(1, err.retryAfter) : 5
      console.error(`slice ${m.config} ${m.start}-${m.end} failed: ${(err as Error).message}`)
      message.retry({ delaySeconds: Math.min(300, wait) })
    }
  }
  await settleWrites()
  data.alive = false
}

export default { fetch: app.fetch, queue } satisfies ExportedHandler<Bindings, SliceMessage>

export { app }
