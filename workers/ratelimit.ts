/**
 * Per-client rate limits of `/api/*` with Cloudflare's rate-limiting binding (wrangler.toml `[[ratelimits]]`;
 * miniflare simulates it locally). Two budgets: cold reads (`/api/trace/*`, `/api/compare`, `/api/export.jsonl`) may cost Hub
 * requests, decoding and R2 writes, so they get the stricter `RATE_LIMIT_COLD`; every other route answers
 * documents cached per revision and gets `RATE_LIMIT_API`. The key is the client address (`CF-Connecting-IP`,
 * set by Cloudflare's edge); without it (local tools) every request shares one key. Over the limit: 429
 * problem+json with `Retry-After` = the binding's period (the binding does not say when the window ends).
 * `RATE_LIMITS = "off"` (or a missing binding) disables the check: the tests run hundreds of requests.
 */
import type { Bindings } from './env.ts'
import { HttpProblem } from './problem.ts'

/** The binding's period in seconds (wrangler.toml `simple.period` of both limits). */
export const RATE_LIMIT_PERIOD = 60

/** True for the routes whose cold answer can cost upstream work. */
export function isColdRead(pathname: string): boolean {
  return pathname.startsWith('/api/trace/') || pathname === '/api/compare' || pathname === '/api/export.jsonl'
}

/** Throw a 429 problem when this client is over the limit of the route's class. */
export async function rateLimitCheck(env: Bindings, req: Request, pathname: string): Promise<void> {
  if ((env.RATE_LIMITS ?? 'on') === 'off') return
  const cold = isColdRead(pathname)
  const limiter = cold ? env.RATE_LIMIT_COLD : env.RATE_LIMIT_API
  if (!limiter) return
  const client = req.headers.get('cf-connecting-ip') ?? 'anonymous'
  const { success } = await limiter.limit({ key: `${cold ? 'cold' : 'api'}:${client}` })
  if (success) return
  throw new HttpProblem(
    429,
    'rate-limited',
    `too many ${cold ? 'trace and export reads' : 'API requests'} from this client; retry after ${RATE_LIMIT_PERIOD} s`,
    { retryAfter: RATE_LIMIT_PERIOD },
  )
}
