/**
 * The Hugging Face Hub client: dataset info, file sizes and byte ranges of repository files.
 *
 * Endpoints (docs/dataset.md "Hub access"): dataset info (`GET {endpoint}/api/datasets/{repo}/revision/{rev}`:
 * sha and cardData) and file info (`POST {endpoint}/api/datasets/{repo}/paths-info/{sha}`: sizes) through
 * `@huggingface/hub` with this client's retrying `fetch` injected; `GET {endpoint}/datasets/{repo}/resolve/{sha}/{path}`
 * with `Range`, answered by a 302 to a signed CDN URL (valid ~1 h) that answers 206 + `Content-Range`, read here
 * (the library's blobs would not check the range). Faults are expected: bounded retries with exponential
 * backoff and jitter honour `Retry-After` and `RateLimit: …;t=<s>`; a waiting time longer than a request can
 * afford becomes a 503 with Retry-After. A 200 that ignores Range is detected and never buffered. The token is
 * sent to the Hub endpoint only, never to the CDN, and bytes are fetched only from allowed hosts.
 */
import { datasetInfo as hubDatasetInfo, pathsInfo as hubPathsInfo } from '@huggingface/hub'

/** An upstream failure, already mapped to the status the API answers with. */
export class UpstreamError extends Error {
  override name = 'UpstreamError'
  /** Status for our client: 502 (bad upstream answer), 503 (unavailable / rate limited), 504 (timeout). */
  readonly status: 502 | 503 | 504
  /** Upstream HTTP status, or 0 when no response arrived. */
  readonly upstreamStatus: number
  /** Seconds the client should wait before retrying. */
  readonly retryAfter: number
  /** True when the upstream said the thing does not exist (404). */
  readonly notFound: boolean

  constructor(
    message: string,
    status: 502 | 503 | 504,
    upstreamStatus: number,
    retryAfter: number,
    notFound = false,
  ) {
    super(message)
    this.status = status
    this.upstreamStatus = upstreamStatus
    this.retryAfter = retryAfter
    this.notFound = notFound
  }
}

/** What the dataset info endpoint tells us. */
export interface DatasetInfo {
  /** Commit sha of the requested revision. */
  sha: string
  /** Parsed YAML of the dataset card. */
  cardData: Record<string, unknown>
}

/** Client settings. */
export interface HubOptions {
  /** Hub base URL, e.g. `https://huggingface.co` or the local stand-in. */
  endpoint: string
  /** Repository id `owner/name`. */
  dataset: string
  /** Bearer token (`hf_…`), optional. */
  token?: string
  /** Extra hosts allowed for byte downloads (besides the endpoint and the Hub's CDNs). */
  allowedHosts?: string[]
  /** Attempts per request (>= 1). */
  maxAttempts?: number
  /** Per-attempt timeout. */
  timeoutMs?: number
  /** Longest wait this request accepts before retrying; longer Retry-After -> 503 to the client. */
  maxWaitMs?: number
  /** Base of the exponential backoff. */
  backoffMs?: number
  /** Injected for tests of the timing logic; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>
}

/** Counters of upstream traffic (pinned by tests and printed by the bench). */
export interface HubTraffic {
  requests: number
  bytes: number
}

const HUB_CDN_SUFFIXES = ['.huggingface.co', '.hf.co']
const SIGNED_URL_TTL_MS = 10 * 60 * 1000
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504])

/** Seconds to wait from `Retry-After` (seconds or HTTP date) or `RateLimit: "…";r=0;t=<s>`, if present. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | null {
  const ra = headers.get('retry-after')
  if (ra) {
    const secs = Number(ra)
    if (Number.isFinite(secs) && secs >= 0) return secs
    const date = Date.parse(ra)
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - now) / 1000))
  }
  const rl = headers.get('ratelimit')
  const t = rl ? /(?:^|[;,\s])t=(\d+)/.exec(rl) : null
  if (t?.[1]) return Number(t[1])
  return null
}

/**
 * Drop a response body we do not read. Not awaited: cancelling a stream the server keeps pushing (a 200 that
 * ignored Range) may not settle promptly, and nothing depends on it.
 */
function discard(res: Response): void {
  void res.body?.cancel().catch(() => undefined)
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

/** The Hub client. One per (endpoint, dataset, token); safe to share across requests of an isolate. */
export class HubClient {
  readonly endpoint: string
  readonly dataset: string
  readonly traffic: HubTraffic = { requests: 0, bytes: 0 }
  private readonly token: string | undefined
  private readonly allowed: Set<string>
  private readonly maxAttempts: number
  private readonly timeoutMs: number
  private readonly maxWaitMs: number
  private readonly backoffMs: number
  private readonly sleep: (ms: number) => Promise<void>
  /** Signed CDN URLs by sha/path, kept well within their ~1 h life. */
  private readonly signed = new Map<string, { url: string; until: number }>()

  constructor(options: HubOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '')
    this.dataset = options.dataset
    this.token = options.token || undefined
    this.allowed = new Set([new URL(this.endpoint).host, ...(options.allowedHosts ?? [])])
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4)
    this.timeoutMs = options.timeoutMs ?? 20_000
    this.maxWaitMs = options.maxWaitMs ?? 5_000
    this.backoffMs = options.backoffMs ?? 250
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  }

  /** True when bytes may be fetched from this URL's host. */
  isAllowedHost(url: URL): boolean {
    if (this.allowed.has(url.host)) return true
    if (url.protocol !== 'https:') return false
    return HUB_CDN_SUFFIXES.some((suffix) => url.hostname.endsWith(suffix))
  }

  /** Dataset info of a revision (branch, tag or sha): its commit sha and card data. */
  async datasetInfo(revision: string): Promise<DatasetInfo> {
    const body = await hubDatasetInfo<'sha' | 'cardData'>({
      name: this.dataset,
      hubUrl: this.endpoint,
      revision,
      additionalFields: ['sha', 'cardData'],
      fetch: this.apiFetch('dataset info'),
    })
    if (typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha)) {
      throw new UpstreamError(`dataset info for ${this.dataset}@${revision} has no commit sha`, 502, 200, 5)
    }
    return { sha: body.sha, cardData: (body.cardData ?? {}) as Record<string, unknown> }
  }

  /** Sizes of files at a commit, in one `paths-info` request; files the Hub does not list are left out. */
  async fileSizes(sha: string, paths: readonly string[]): Promise<Record<string, number>> {
    const entries = await hubPathsInfo({
      repo: { type: 'dataset', name: this.dataset },
      hubUrl: this.endpoint,
      revision: sha,
      paths: [...paths],
      fetch: this.apiFetch('file info'),
    })
    const sizes: Record<string, number> = {}
    for (const e of entries) {
      const size = e.lfs?.size ?? e.size
      if (e.type === 'file' && typeof size === 'number') sizes[e.path] = size
    }
    return sizes
  }

  /**
   * The `fetch` handed to `@huggingface/hub`: this client's retries, timeout, allowed hosts and traffic
   * counters, the token added here (only ever to the Hub endpoint). It answers only 2xx; anything else becomes
   * the UpstreamError the API maps to 502/503/504 (404: `notFound`), so the library's own errors never show.
   */
  private apiFetch(what: string): typeof fetch {
    return (input, init) => {
      const url = input instanceof Request ? input.url : String(input)
      const headers = new Headers(init?.headers)
      if (this.token) headers.set('authorization', `Bearer ${this.token}`)
      return this.request(url, { ...init, headers }, what)
    }
  }

  /**
   * Bytes [start, end) of a file at a commit. Follows the resolve redirect (the signed URL is reused for a few
   * minutes), verifies the 206 and its length, retries what can be retried, and never reads a whole file when
   * the server ignores Range.
   */
  async fetchRange(sha: string, path: string, start: number, end: number): Promise<ArrayBuffer> {
    if (end <= start) return new ArrayBuffer(0)
    const what = `${path}@${sha.slice(0, 8)} bytes ${start}-${end - 1}`
    return this.withRetries(what, async () => {
      const res = await this.rangeResponse(sha, path, start, end, what)
      return this.readRangeBody(res, start, end, what)
    })
  }

  /** Size of a file at a commit, from `Range: bytes=0-0` and `Content-Range`. */
  async fileSize(sha: string, path: string): Promise<number> {
    const what = `${path} size`
    return this.withRetries(what, async () => {
      const res = await this.rangeResponse(sha, path, 0, 1, what)
      discard(res)
      const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]
      if (total) return Number(total)
      const length = res.status === 200 ? Number(res.headers.get('content-length')) : Number.NaN
      if (Number.isFinite(length) && length >= 0) return length
      throw new UpstreamError(
        `${what}: the Hub sent no Content-Range for a range request`,
        502,
        res.status,
        0,
      )
    })
  }

  /**
   * Run `attempt` until it succeeds, at most `maxAttempts` times: retryable UpstreamErrors wait for their
   * Retry-After or an exponential backoff with jitter; a wait longer than `maxWaitMs` gives up at once (the
   * client gets the error with its Retry-After). Not-found errors and programming errors are not retried.
   */
  private async withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    let lastError: UpstreamError | null = null
    for (let n = 0; n < this.maxAttempts; n++) {
      try {
        return await attempt()
      } catch (err) {
        if (!(err instanceof UpstreamError) || err.notFound) throw err
        lastError = err
        if (n === this.maxAttempts - 1) break
        const wait = err.retryAfter > 0 ? err.retryAfter * 1000 : this.backoff(n)
        if (wait > this.maxWaitMs) break
        await this.sleep(wait)
      }
    }
    throw lastError ?? new UpstreamError(`${what}: failed`, 502, 0, 5)
  }

  private authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {}
  }

  private backoff(attempt: number): number {
    const base = this.backoffMs * 2 ** attempt
    return base / 2 + Math.random() * base
  }

  /** One range request: resolve (302) then CDN, or the cached signed URL; one retry loop in `fetchRange`. */
  private async rangeResponse(
    sha: string,
    path: string,
    start: number,
    end: number,
    what: string,
  ): Promise<Response> {
    const key = `${sha}/${path}`
    const range = `bytes=${start}-${end - 1}`
    const cached = this.signed.get(key)
    if (cached && cached.until > Date.now()) {
      const res = await this.once(cached.url, { headers: { range } }, what)
      if (res.status !== 403 && res.status !== 410) return this.checkRangeStatus(res, what)
      this.signed.delete(key) // expired signature: resolve again
      discard(res)
    }
    const resolveUrl = `${this.endpoint}/datasets/${this.dataset}/resolve/${sha}/${encodePath(path)}`
    const first = await this.once(
      resolveUrl,
      { headers: { ...this.authHeaders(), range }, redirect: 'manual' },
      what,
    )
    if (first.status >= 300 && first.status < 400) {
      const location = first.headers.get('location')
      discard(first)
      if (!location) throw new UpstreamError(`${what}: redirect without Location`, 502, first.status, 5)
      const target = new URL(location, resolveUrl)
      if (!this.isAllowedHost(target)) {
        throw new UpstreamError(
          `${what}: refusing to fetch from unexpected host ${target.host}`,
          502,
          first.status,
          0,
        )
      }
      this.signed.set(key, { url: target.toString(), until: Date.now() + SIGNED_URL_TTL_MS })
      // The token stays with the Hub: the signed URL carries its own authorisation.
      const res = await this.once(target.toString(), { headers: { range } }, what)
      return this.checkRangeStatus(res, what)
    }
    return this.checkRangeStatus(first, what)
  }

  private async checkRangeStatus(res: Response, what: string): Promise<Response> {
    if (res.status === 206 || res.status === 200) return res
    discard(res)
    if (res.status === 404) {
      const code = res.headers.get('x-error-code') ?? 'NotFound'
      throw new UpstreamError(`${what}: the Hub answered 404 (${code})`, 502, 404, 0, true)
    }
    if (res.status === 416) throw new UpstreamError(`${what}: range not satisfiable`, 502, 416, 0, true)
    throw this.statusError(res, what)
  }

  private statusError(res: Response, what: string): UpstreamError {
    const wait = retryAfterSeconds(res.headers)
    if (res.status === 429) {
      return new UpstreamError(`${what}: the Hub rate-limited us (429)`, 503, 429, wait ?? 30)
    }
    if (res.status === 401 || res.status === 403) {
      return new UpstreamError(
        `${what}: the Hub refused access (${res.status}); check HF_TOKEN`,
        502,
        res.status,
        0,
        true,
      )
    }
    if (res.status === 504) return new UpstreamError(`${what}: the Hub timed out (504)`, 504, 504, wait ?? 5)
    const status = res.status === 503 ? 503 : 502
    return new UpstreamError(
      `${what}: the Hub answered ${res.status}`,
      status,
      res.status,
      wait ?? (RETRYABLE.has(res.status) ? 0 : 5),
    )
  }

  /** Read a 206/200 body for [start, end): verified length, bounded memory. */
  private async readRangeBody(res: Response, start: number, end: number, what: string): Promise<ArrayBuffer> {
    const want = end - start
    if (res.status === 206) {
      const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get('content-range') ?? '')
      if (!m || Number(m[1]) !== start || Number(m[2]) !== end - 1) {
        discard(res)
        throw new UpstreamError(
          `${what}: the Hub answered a different range (${m?.[0] ?? 'none'})`,
          502,
          206,
          0,
        )
      }
      const buf = await this.readBody(res, want, what)
      if (buf.byteLength !== want) {
        throw new UpstreamError(`${what}: truncated body (${buf.byteLength} of ${want} bytes)`, 502, 206, 0)
      }
      return buf
    }
    // 200: the server ignored Range. Only acceptable when what we need is at the very start of the body.
    if (start === 0 && want <= 1 << 20) {
      const buf = await this.readBody(res, want, what, true)
      if (buf.byteLength < want) throw new UpstreamError(`${what}: truncated body`, 502, 200, 0)
      return buf.slice(0, want)
    }
    discard(res)
    throw new UpstreamError(
      `${what}: the Hub ignored the Range header (200); not downloading the whole file`,
      502,
      200,
      0,
    )
  }

  /** Read at most `limit` bytes of a body (cancelling the rest when `partial`). */
  private async readBody(res: Response, limit: number, what: string, partial = false): Promise<ArrayBuffer> {
    const reader = res.body?.getReader()
    if (!reader) return new ArrayBuffer(0)
    const out = new Uint8Array(limit)
    let got = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (got + value.byteLength > limit) {
          if (!partial) {
            void reader.cancel().catch(() => undefined)
            throw new UpstreamError(`${what}: body longer than the requested range`, 502, res.status, 0)
          }
          out.set(value.subarray(0, limit - got), got)
          got = limit
          void reader.cancel().catch(() => undefined)
          break
        }
        out.set(value, got)
        got += value.byteLength
      }
    } catch (err) {
      if (err instanceof UpstreamError) throw err
      throw new UpstreamError(
        `${what}: connection lost after ${got} bytes (${(err as Error).message})`,
        502,
        res.status,
        0,
      )
    }
    this.traffic.bytes += got
    return got === limit ? out.buffer : out.slice(0, got).buffer
  }

  /** A request with retries for the API (dataset info, paths-info): the 2xx answer, or an UpstreamError. */
  private request(url: string, init: RequestInit, what: string): Promise<Response> {
    return this.withRetries(what, async () => {
      const res = await this.once(url, init, what)
      if (res.ok) return res
      discard(res)
      if (res.status === 404) {
        const code = res.headers.get('x-error-code') ?? 'NotFound'
        throw new UpstreamError(
          `${what}: the Hub answered 404 (${code}) for ${this.dataset}`,
          502,
          404,
          0,
          true,
        )
      }
      throw this.statusError(res, what)
    })
  }

  /** One fetch with a timeout; network errors become retryable UpstreamErrors. */
  private async once(url: string, init: RequestInit, what: string): Promise<Response> {
    const target = new URL(url)
    if (!this.isAllowedHost(target)) {
      throw new UpstreamError(`${what}: host ${target.host} is not allowed`, 502, 0, 0, true)
    }
    this.traffic.requests++
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (err) {
      const e = err as Error
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new UpstreamError(`${what}: the Hub did not answer within ${this.timeoutMs} ms`, 504, 0, 5)
      }
      throw new UpstreamError(`${what}: connection failed (${e.message})`, 502, 0, 0)
    }
  }
}
