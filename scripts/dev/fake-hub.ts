/**
 * A local stand-in for the Hugging Face Hub, serving one dataset repository from a directory.
 *
 * It answers the three kinds of request the project's Hub client makes, with the real shapes
 * (see shared docs DATASET.md, "Hub access"):
 *
 * 1. `GET /api/datasets/{owner}/{name}[/revision/{rev}]`: dataset info JSON (`sha`, `siblings`, `cardData`
 *    parsed from the card's YAML front matter, ...). Unknown repo / revision: 404 with `X-Error-Code`.
 * 2. `GET|HEAD /datasets/{owner}/{name}/resolve/{rev}/{path}`: for LFS files (parquet and other binaries,
 *    anything over 10 MiB) a 302 to a signed, expiring "CDN" URL on this server, with `X-Repo-Commit`,
 *    `X-Linked-Size`, `X-Linked-Etag`, `ETag`. Small text files (README.md) are served directly, like the
 *    real Hub does for files stored in git. Missing file: 404 `X-Error-Code: EntryNotFound`.
 * 3. `GET|HEAD /__cdn/{sha}/{path}?expires=&signature=`: the bytes, with RFC 9110 single-range requests
 *    (206 + `Content-Range`, 416 when unsatisfiable), streamed from disk, never buffered whole.
 *
 * Faults (latency, 429/500/503, dropped connections, truncated bodies, ignored Range) can be switched on
 * for the next N matching requests, in process ({@link FakeHub.setFaults}) or over HTTP
 * (`POST /__control/faults`) for tests whose client runs elsewhere (a Worker in workerd).
 *
 * CLI: `node scripts/fake-hub.ts --dir sample-data --port 8790 [--repo owner/name] [--host 127.0.0.1]
 * [--revision SHA]`; prints the URL it listens on, then serves until SIGINT/SIGTERM.
 */

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, relative, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parseFrontMatter, type YamlValue } from './fake-hub/yaml.ts'
import { datasetDirRevision } from './lib/dataset-dir.ts'

/** The dataset this project explores; the default repository name. */
export const DEFAULT_REPO = 'lambda/hermes-agent-reasoning-traces'

/** Options of {@link startFakeHub}. */
export interface FakeHubOptions {
  /** Directory laid out like the repository: `README.md` (dataset card), `data/<config>/train.parquet`, ... */
  dir: string
  /** `owner/name` the hub answers for; any other repo is `RepoNotFound`. */
  repo?: string
  /** TCP port; 0 (default) picks a free one. */
  port?: number
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string
  /**
   * Commit sha (40 hex digits) to advertise instead of the one derived from the file hashes,
   * e.g. the pinned real revision. `main` and `HEAD` always resolve to it too.
   */
  revision?: string
  /** Life of the signed CDN URLs in seconds (default 3600, like the Hub's ~1 h). Expired: 403. */
  signedUrlTtlSeconds?: number
}

/** One file of the served repository. */
export interface FakeHubFile {
  /** Path in the repository, `/`-separated (`data/kimi/train.parquet`). */
  path: string
  size: number
  /** Hex sha256 of the content (the LFS oid; the CDN's and `X-Linked-Etag`'s ETag). */
  sha256: string
  /** Git blob id: sha1 of the LFS pointer for LFS files, of the content otherwise (the resolve `ETag`). */
  blobId: string
  /** Stored in LFS: resolve answers with a redirect to the CDN. */
  lfs: boolean
}

/** Limits a fault to some requests. */
export interface FaultScope {
  /** Apply to the next `times` matching requests only, then switch off (default: every matching request). */
  times?: number
  /** Apply only when the request path (decoded, without query) contains this substring, e.g. `/__cdn/`. */
  match?: string
}

/**
 * Faults to inject. `true` means "every request"; an object narrows it with {@link FaultScope}.
 * Per request they are tried in this order: `latencyMs` (then the request goes on), `drop`, then the first of
 * `status429` / `status500` / `status503`; `ignoreRange` and `truncate` act (and count) only where a
 * success body is sent (`ignoreRange` only when the request had a Range header). A fault whose `times`
 * runs out is removed.
 */
export interface Faults {
  /** Wait this long before answering (a number: every request). */
  latencyMs?: number | (FaultScope & { ms: number })
  /** 429 with `Retry-After`, `RateLimit: "<bucket>";r=0;t=<s>` and `RateLimit-Policy` (default 1 s). */
  status429?: boolean | (FaultScope & { retryAfter?: number })
  /** 500 Internal Error. */
  status500?: boolean | FaultScope
  /** 503 with `Retry-After` (default 1 s). */
  status503?: boolean | (FaultScope & { retryAfter?: number })
  /** Destroy the connection without any response. */
  drop?: boolean | FaultScope
  /**
   * Send the real headers (Content-Length of the whole body or range) but only `bytes` of the body
   * (default half), then close the connection.
   */
  truncate?: boolean | (FaultScope & { bytes?: number })
  /** Answer 200 with the whole file although a Range was asked (a server that ignores Range). */
  ignoreRange?: boolean | FaultScope
}

/** Name of a fault, as used in {@link Faults} and in the request log. */
export type FaultName = keyof Faults

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

/** A running fake hub. */
export interface FakeHub {
  /** Base URL, e.g. `http://127.0.0.1:41234` (use it as `HF_ENDPOINT`). */
  readonly url: string
  /** `owner/name` of the served repository. */
  readonly repo: string
  /** Commit sha of the served revision: `datasetDirRevision(dir)` (same files, same sha) or `revision`. */
  readonly sha: string
  /** Files of the repository, sorted by path. */
  readonly files: readonly FakeHubFile[]
  /** The request log, oldest first (same array for the life of the hub). */
  readonly requests: FakeHubRequest[]
  /** Empty the request log (in place). */
  resetLog(): void
  /** Replace the active faults; throws on an unknown fault name or a bad value. */
  setFaults(faults: Faults): void
  /** Switch every fault off. */
  clearFaults(): void
  /** The faults still active, with the `times` left. */
  activeFaults(): Faults
  /** `resetLog()` + `clearFaults()`. */
  reset(): void
  /** Stop listening and close every open connection. */
  close(): Promise<void>
}

/** Fixed metadata: the fake hub must answer the same bytes for the same files. */
const LAST_MODIFIED = '2026-03-20T12:00:00.000Z'
const CREATED_AT = '2026-03-12T09:00:00.000Z'
/** The Hub's rate-limit windows (5 minutes) and anonymous quotas per bucket. */
const RATE_WINDOW_S = 300
const RATE_QUOTA = { api: 500, resolvers: 3000 } as const
/** Files the Hub's default `.gitattributes` puts in LFS; git refuses anything above 10 MiB without LFS. */
const LFS_EXTENSIONS =
  /\.(?:parquet|arrow|avro|bin|bz2|ckpt|ftz|gz|h5|joblib|lz4|mlmodel|model|msgpack|npy|npz|onnx|ot|pb|pickle|pkl|pt|pth|rar|safetensors|tar|tflite|tgz|wasm|xz|zip|zst|jpg|jpeg|png|webp|mp3|wav|mp4)$/i
const LFS_MIN_SIZE = 10 * 1024 * 1024
const FAULT_NAMES: readonly FaultName[] = [
  'latencyMs',
  'status429',
  'status500',
  'status503',
  'drop',
  'truncate',
  'ignoreRange',
]
const EXPOSED_HEADERS = [
  'X-Repo-Commit',
  'X-Linked-Size',
  'X-Linked-Etag',
  'X-Error-Code',
  'X-Error-Message',
  'ETag',
  'Content-Range',
  'Accept-Ranges',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'Location',
].join(', ')

interface ActiveFault {
  name: FaultName
  /** Requests left; Infinity when unlimited. */
  left: number
  match: string | null
  ms: number
  retryAfter: number
  bytes: number | null
}

/** Start a fake hub serving `dir` as dataset `repo`. Resolves once it listens. */
export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const repo = options.repo ?? DEFAULT_REPO
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`fake hub: bad repo name "${repo}" (want owner/name)`)
  if (options.revision !== undefined && !/^[0-9a-f]{40}$/.test(options.revision)) {
    throw new Error(`fake hub: revision "${options.revision}" is not a 40-hex commit sha`)
  }
  const ttl = options.signedUrlTtlSeconds ?? 3600
  const root = resolve(options.dir)
  const files = await listRepoFiles(root)
  const byPath = new Map(files.map((f) => [f.path, f]))
  // The same id `npm run stats` records for a local directory, so local and served stats share a revision.
  const sha = options.revision ?? (await datasetDirRevision(root))
  const card = await readCard(root, byPath.has('README.md'))
  const signingKey = randomBytes(32)
  const requests: FakeHubRequest[] = []
  let faults = new Map<FaultName, ActiveFault>()
  const rate = { start: Date.now(), api: 0, resolvers: 0 }
  const closing = new AbortController()

  /** Consume one use of fault `name` if it is active and matches `path`. */
  const take = (name: FaultName, path: string): ActiveFault | null => {
    const f = faults.get(name)
    if (!f || (f.match !== null && !path.includes(f.match))) return null
    f.left--
    if (f.left <= 0) faults.delete(name)
    return f
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(`fake hub: ${req.method} ${req.url}: ${String((err as Error)?.stack ?? err)}\n`)
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ error: 'fake hub internal error' }))
      } else {
        res.destroy()
      }
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-hub.invalid')
    const segments = url.pathname.split('/').slice(1).map(safeDecode)
    const path = `/${segments.map((s) => s ?? '').join('/')}`
    if (segments[0] === '__control') return control(req, res, segments.slice(1))
    const kind: FakeHubRequest['kind'] =
      segments[0] === 'api'
        ? 'api'
        : segments[0] === '__cdn'
          ? 'cdn'
          : segments[0] === 'datasets' && segments[3] === 'resolve'
            ? 'resolve'
            : 'other'
    const method = req.method ?? 'GET'
    const ctx: Ctx = {
      req,
      res,
      entry: {
        method,
        path,
        query: url.search,
        kind,
        range: req.headers.range ?? null,
        status: 0,
        bytes: 0,
        faults: [],
        auth: req.headers.authorization !== undefined,
      },
      head: method === 'HEAD',
      take: (name) => {
        const f = take(name, path)
        if (f) ctx.entry.faults.push(name)
        return f
      },
      log: () => requests.push(ctx.entry),
      baseHeaders: { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED_HEADERS },
    }
    const bucket = kind === 'api' ? 'api' : 'resolvers'
    if (kind === 'api' || kind === 'resolve') {
      rate[bucket]++
      Object.assign(ctx.baseHeaders, rateLimitHeaders(bucket, RATE_QUOTA[bucket] - rate[bucket], rate.start))
    }

    const latency = ctx.take('latencyMs')
    if (latency) {
      try {
        await delay(latency.ms, undefined, { signal: closing.signal })
      } catch {
        return // the hub is closing
      }
      if (res.destroyed) return
    }
    if (ctx.take('drop')) {
      ctx.log()
      req.socket.destroy()
      return
    }
    const f429 = ctx.take('status429')
    if (f429) {
      const t = f429.retryAfter
      return sendJson(
        ctx,
        429,
        {
          error: `You have been rate-limited; you can retry this action in about ${t} seconds. (fake hub)`,
        },
        {
          'Retry-After': String(t),
          ...rateLimitHeaders(bucket, 0, rate.start, t),
          'X-Error-Code': 'RateLimited',
        },
      )
    }
    if (ctx.take('status500')) {
      return sendJson(ctx, 500, {
        error: "Internal Error - We're working hard to fix this as soon as possible!",
      })
    }
    const f503 = ctx.take('status503')
    if (f503) {
      return sendJson(
        ctx,
        503,
        { error: 'Service Unavailable (fake hub)' },
        { 'Retry-After': String(f503.retryAfter) },
      )
    }

    if (method === 'OPTIONS') {
      ctx.baseHeaders['Access-Control-Allow-Methods'] = 'GET, HEAD, OPTIONS'
      ctx.baseHeaders['Access-Control-Allow-Headers'] = 'Authorization, Range, Content-Type'
      return sendText(ctx, 204, '', {})
    }
    if (segments.some((s) => s === null)) return sendJson(ctx, 400, { error: 'Malformed URL encoding' })
    const seg = segments as string[]
    if (kind === 'cdn') return cdn(ctx, seg.slice(1))
    if (kind === 'other') return sendJson(ctx, 404, { error: 'Not Found' })
    if (method !== 'GET' && method !== 'HEAD') return sendJson(ctx, 405, { error: 'Method Not Allowed' })
    // The Hub rejects a malformed or unknown token even for public repos.
    const auth = req.headers.authorization
    if (auth !== undefined && !/^Bearer hf_[A-Za-z0-9]+$/.test(auth)) {
      return sendJson(ctx, 401, { error: 'Invalid credentials in Authorization header' })
    }
    if (kind === 'api') return api(ctx, seg.slice(1), url.searchParams)
    return resolveFile(ctx, seg.slice(1))
  }

  /** `/api/datasets/{owner}/{name}[/revision/{rev}]`. */
  function api(ctx: Ctx, seg: string[], query: URLSearchParams) {
    if (seg[0] !== 'datasets' || seg.length < 3) return sendJson(ctx, 404, { error: 'Not Found' })
    const name = `${seg[1]}/${seg[2]}`
    if (name !== repo) return repoNotFound(ctx)
    let rev = 'main'
    if (seg.length === 5 && seg[3] === 'revision') rev = seg[4] ?? ''
    else if (seg.length !== 3) return sendJson(ctx, 404, { error: 'Not Found' })
    if (!knownRevision(rev)) return revisionNotFound(ctx, rev)
    return sendJson(ctx, 200, datasetInfo(query))
  }

  function datasetInfo(query: URLSearchParams): Record<string, unknown> {
    const blobs = query.get('blobs') === 'true'
    const siblings = files.map((f) =>
      blobs
        ? {
            rfilename: f.path,
            blobId: f.blobId,
            size: f.size,
            ...(f.lfs ? { lfs: { sha256: f.sha256, size: f.size, pointerSize: lfsPointer(f).length } } : {}),
          }
        : { rfilename: f.path },
    )
    const [author = ''] = repo.split('/')
    const full: Record<string, unknown> = {
      _id: createHash('sha1').update(`dataset:${repo}`).digest('hex').slice(0, 24),
      id: repo,
      author,
      sha,
      lastModified: LAST_MODIFIED,
      private: false,
      gated: false,
      disabled: false,
      downloads: 0,
      likes: 0,
      tags: cardTags(card, files),
      createdAt: CREATED_AT,
      description: typeof card.pretty_name === 'string' ? card.pretty_name : '',
      cardData: card,
      siblings,
      usedStorage: files.reduce((n, f) => n + f.size, 0),
    }
    const expand = [...query.getAll('expand'), ...query.getAll('expand[]')]
    if (expand.length === 0) return full
    // With expand the Hub returns only the asked fields (plus ids); we always keep what our client needs.
    const keep = new Set(['_id', 'id', 'sha', 'siblings', 'cardData', ...expand])
    return Object.fromEntries(Object.entries(full).filter(([k]) => keep.has(k)))
  }

  /** `/datasets/{owner}/{name}/resolve/{rev}/{path...}`. */
  function resolveFile(ctx: Ctx, seg: string[]) {
    const name = `${seg[0]}/${seg[1]}`
    if (name !== repo) return repoNotFound(ctx)
    const rev = seg[3] ?? ''
    if (!knownRevision(rev)) return revisionNotFound(ctx, rev)
    const file = byPath.get(seg.slice(4).join('/'))
    if (!file) {
      return sendJson(ctx, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' })
    }
    if (!file.lfs) {
      // Files kept in git are served by the Hub itself, Range included.
      return serveFile(ctx, file, {
        ETag: `"${file.blobId}"`,
        'X-Repo-Commit': sha,
        'Content-Type': contentType(file.path),
      })
    }
    const host = ctx.req.headers.host ?? new URL(hub.url).host
    const location = `http://${host}${signedCdnPath(file)}`
    return sendText(ctx, 302, `Found. Redirecting to ${location}`, {
      Location: location,
      'X-Repo-Commit': sha,
      'X-Linked-Size': String(file.size),
      'X-Linked-Etag': `"${file.sha256}"`,
      ETag: `"${file.blobId}"`,
      'Content-Type': 'text/plain; charset=utf-8',
    })
  }

  function signedCdnPath(file: FakeHubFile): string {
    const expires = Math.floor(Date.now() / 1000) + ttl
    const path = file.path.split('/').map(encodeURIComponent).join('/')
    return `/__cdn/${sha}/${path}?expires=${expires}&signature=${sign(file.path, expires)}`
  }

  function sign(path: string, expires: number): string {
    return createHmac('sha256', signingKey).update(`${sha}/${path}\n${expires}`).digest('hex')
  }

  /** `/__cdn/{sha}/{path...}?expires=&signature=`: the signed URL the resolve redirect points to. */
  function cdn(ctx: Ctx, seg: string[]) {
    if (ctx.entry.method !== 'GET' && ctx.entry.method !== 'HEAD') {
      return sendJson(ctx, 405, { error: 'Method Not Allowed' })
    }
    const path = seg.slice(1).join('/')
    const file = seg[0] === sha ? byPath.get(path) : undefined
    if (!file?.lfs) return sendJson(ctx, 404, { error: 'NoSuchKey' })
    const query = new URL(ctx.req.url ?? '/', 'http://x').searchParams
    const expires = Number(query.get('expires'))
    const given = Buffer.from(query.get('signature') ?? '', 'hex')
    const want = Buffer.from(sign(path, expires), 'hex')
    if (!Number.isInteger(expires) || given.length !== want.length || !timingSafeEqual(given, want)) {
      return sendJson(ctx, 403, { error: 'AccessDenied: bad signature' })
    }
    if (expires < Date.now() / 1000) return sendJson(ctx, 403, { error: 'AccessDenied: Request has expired' })
    const base = file.path.split('/').pop() ?? file.path
    return serveFile(ctx, file, {
      ETag: `"${file.sha256}"`,
      'Content-Type': contentType(file.path),
      'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(base)}; filename="${base}";`,
      'Cache-Control': 'public, max-age=604800, immutable',
    })
  }

  /** 200 / 206 / 416 for a file, honouring a single `Range` (RFC 9110 §14), streamed from disk. */
  function serveFile(ctx: Ctx, file: FakeHubFile, headers: Record<string, string>) {
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
    const stream = createReadStream(join(root, ...file.path.split('/')), { start, end: start + send - 1 })
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

  /** Control API for tests whose client runs in another process. Never logged, never faulted. */
  async function control(req: IncomingMessage, res: ServerResponse, seg: (string | null)[]): Promise<void> {
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body)
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(text)),
        'Cache-Control': 'no-store',
      })
      res.end(text)
    }
    const route = `${req.method} ${seg.join('/')}`
    switch (route) {
      case 'GET info':
        return reply(200, { url: hub.url, repo, sha, files })
      case 'GET log':
        return reply(200, { sha, requests })
      case 'GET faults':
        return reply(200, { faults: hub.activeFaults() })
      case 'DELETE faults':
        hub.clearFaults()
        return reply(200, { faults: {} })
      case 'POST reset':
        hub.reset()
        return reply(200, { ok: true })
      case 'POST faults': {
        let body: unknown
        try {
          body = JSON.parse((await readBody(req, 64 * 1024)) || '{}')
          hub.setFaults(body as Faults)
        } catch (err) {
          return reply(400, { error: (err as Error).message })
        }
        return reply(200, { faults: hub.activeFaults() })
      }
      default:
        return reply(404, {
          error: `unknown control route "${route}"`,
          routes: ['GET info', 'GET log', 'POST reset', 'GET|POST|DELETE faults'],
        })
    }
  }

  function knownRevision(rev: string): boolean {
    return rev === 'main' || rev === 'HEAD' || rev === sha
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', fail)
      done()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`

  const hub: FakeHub = {
    url,
    repo,
    sha,
    files,
    requests,
    resetLog: () => {
      requests.length = 0
    },
    setFaults: (input) => {
      faults = normalizeFaults(input)
    },
    clearFaults: () => {
      faults = new Map()
    },
    activeFaults: () => {
      const out: Record<string, unknown> = {}
      for (const f of faults.values()) {
        out[f.name] = {
          ...(Number.isFinite(f.left) ? { times: f.left } : {}),
          ...(f.match !== null ? { match: f.match } : {}),
          ...(f.name === 'latencyMs' ? { ms: f.ms } : {}),
          ...(f.name === 'status429' || f.name === 'status503' ? { retryAfter: f.retryAfter } : {}),
          ...(f.name === 'truncate' && f.bytes !== null ? { bytes: f.bytes } : {}),
        }
      }
      return out as Faults
    },
    reset: () => {
      hub.resetLog()
      hub.clearFaults()
    },
    close: () =>
      new Promise<void>((done) => {
        closing.abort()
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
  return hub
}

/** Per-request state handed to the route handlers. */
interface Ctx {
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

function sendJson(ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // The Hub repeats an error's message in `X-Error-Message` (huggingface.js reads it).
  const message = status >= 400 ? (body as { error?: unknown }).error : undefined
  sendText(ctx, status, JSON.stringify(body), {
    'Content-Type': 'application/json; charset=utf-8',
    ...(typeof message === 'string' ? { 'X-Error-Message': message.replace(/[^\x20-\x7e]/g, '?') } : {}),
    ...headers,
  })
}

/** Send a small in-memory body (JSON, redirect text); `truncate` applies to 2xx bodies. */
function sendText(ctx: Ctx, status: number, text: string, headers: Record<string, string>): void {
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

function repoNotFound(ctx: Ctx): void {
  sendJson(ctx, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' })
}

function revisionNotFound(ctx: Ctx, rev: string): void {
  sendJson(ctx, 404, { error: `Invalid rev id: ${rev}` }, { 'X-Error-Code': 'RevisionNotFound' })
}

function truncatedLength(fault: ActiveFault, length: number): number {
  const want = fault.bytes ?? Math.floor(length / 2)
  return Math.max(0, Math.min(length - 1, want))
}

/**
 * End the connection after what was written so far has been flushed: the client sees fewer bytes than
 * Content-Length promised. (`end()` sends FIN after the queued data; a bare `destroy()` could lose it.)
 */
function cut(res: ServerResponse): void {
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

function rateLimitHeaders(
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

/** Validate and normalise {@link Faults}; the error names the bad key or value. */
function normalizeFaults(input: unknown): Map<FaultName, ActiveFault> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error('faults must be an object like {"status503": {"times": 2, "match": "/__cdn/"}}')
  }
  const out = new Map<FaultName, ActiveFault>()
  for (const [key, raw] of Object.entries(input)) {
    if (!(FAULT_NAMES as readonly string[]).includes(key)) {
      throw new Error(`unknown fault "${key}" (known: ${FAULT_NAMES.join(', ')})`)
    }
    const name = key as FaultName
    if (raw === false || raw === null || raw === undefined) continue
    let spec: Record<string, unknown>
    if (raw === true) spec = {}
    else if (typeof raw === 'number' && name === 'latencyMs') spec = { ms: raw }
    else if (typeof raw === 'object' && !Array.isArray(raw)) spec = raw as Record<string, unknown>
    else throw new Error(`fault "${name}": bad value ${JSON.stringify(raw)}`)
    const allowed = [
      'times',
      'match',
      ...(name === 'latencyMs' ? ['ms'] : []),
      ...(name === 'truncate' ? ['bytes'] : []),
    ]
    if (name === 'status429' || name === 'status503') allowed.push('retryAfter')
    for (const k of Object.keys(spec)) {
      if (!allowed.includes(k))
        throw new Error(`fault "${name}": unknown option "${k}" (known: ${allowed.join(', ')})`)
    }
    const count = (k: string, fallback: number | null): number | null => {
      const v = spec[k]
      if (v === undefined) return fallback
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new Error(`fault "${name}": ${k} must be a number >= 0, got ${JSON.stringify(v)}`)
      }
      return v
    }
    const match = spec.match
    if (match !== undefined && typeof match !== 'string') {
      throw new Error(`fault "${name}": match must be a string, got ${JSON.stringify(match)}`)
    }
    const times = count('times', Number.POSITIVE_INFINITY) ?? Number.POSITIVE_INFINITY
    const ms = count('ms', 0) ?? 0
    if (name === 'latencyMs' && spec.ms === undefined) throw new Error('fault "latencyMs": ms is required')
    if (times === 0 || (name === 'latencyMs' && ms === 0)) continue
    out.set(name, {
      name,
      left: times,
      match: match ?? null,
      ms,
      retryAfter: count('retryAfter', 1) ?? 1,
      bytes: count('bytes', null),
    })
  }
  return out
}

/** Every regular file under `root` (skipping `.git/`), hashed, sorted by path. */
async function listRepoFiles(root: string): Promise<FakeHubFile[]> {
  const info = await stat(root).catch(() => null)
  if (!info?.isDirectory()) throw new Error(`fake hub: ${root} is not a directory`)
  const entries = await readdir(root, { withFileTypes: true, recursive: true })
  const files: FakeHubFile[] = []
  for (const entry of entries) {
    const abs = join(entry.parentPath, entry.name)
    const path = relative(root, abs).split(sep).join('/')
    if (path.split('/').includes('.git')) continue
    if (!entry.isFile() && !(entry.isSymbolicLink() && (await stat(abs)).isFile())) continue
    files.push(await hashFile(abs, path))
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** sha256 and git blob sha1 in one streaming pass. */
async function hashFile(abs: string, path: string): Promise<FakeHubFile> {
  const { size } = await stat(abs)
  const sha256 = createHash('sha256')
  const gitBlob = createHash('sha1').update(`blob ${size}\0`)
  for await (const chunk of createReadStream(abs)) {
    sha256.update(chunk as Buffer)
    gitBlob.update(chunk as Buffer)
  }
  const file: FakeHubFile = {
    path,
    size,
    sha256: sha256.digest('hex'),
    blobId: gitBlob.digest('hex'),
    lfs: LFS_EXTENSIONS.test(path) || size > LFS_MIN_SIZE,
  }
  if (file.lfs) {
    // In git an LFS file is its pointer: the blob id is the pointer's.
    const pointer = lfsPointer(file)
    file.blobId = createHash('sha1').update(`blob ${pointer.length}\0`).update(pointer).digest('hex')
  }
  return file
}

/** The Git LFS pointer file of `file` (git-lfs spec v1). */
function lfsPointer(file: { sha256: string; size: number }): Buffer {
  return Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${file.size}\n`,
  )
}

async function readCard(root: string, present: boolean): Promise<{ [key: string]: YamlValue }> {
  if (!present) return {}
  const text = await readFile(join(root, 'README.md'), 'utf8')
  try {
    return parseFrontMatter(text)
  } catch (err) {
    throw new Error(`fake hub: cannot parse the YAML front matter of README.md: ${(err as Error).message}`)
  }
}

/** The Hub's `tags`: the card's own tags, then tags derived from card fields and files. */
function cardTags(card: { [key: string]: YamlValue }, files: readonly FakeHubFile[]): string[] {
  const list = (v: YamlValue | undefined): string[] =>
    Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]
  const tags = [...list(card.tags)]
  for (const field of ['task_categories', 'task_ids', 'language', 'license', 'size_categories']) {
    for (const v of list(card[field])) tags.push(`${field}:${v}`)
  }
  if (files.some((f) => f.path.endsWith('.parquet'))) tags.push('format:parquet')
  tags.push('library:datasets', 'region:us')
  return [...new Set(tags)]
}

function contentType(path: string): string {
  if (path.endsWith('.json')) return 'application/json'
  if (/(?:\.md|\.txt|\.csv|\.ya?ml|\.py|^\.gitattributes|\/\.gitattributes)$/.test(path)) {
    return 'text/plain; charset=utf-8'
  }
  return 'application/octet-stream'
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error(`request body over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: 'sample-data' },
      port: { type: 'string', default: '8790' },
      host: { type: 'string', default: '127.0.0.1' },
      repo: { type: 'string', default: DEFAULT_REPO },
      revision: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(
      'usage: node scripts/fake-hub.ts [--dir sample-data] [--port 8790] [--host 127.0.0.1]\n' +
        `                                [--repo ${DEFAULT_REPO}] [--revision SHA]\n`,
    )
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port "${values.port}"`)
  const hub = await startFakeHub({
    dir: values.dir,
    port,
    host: values.host,
    repo: values.repo,
    ...(values.revision ? { revision: values.revision } : {}),
  })
  process.stdout.write(`${hub.url}\n`)
  process.stderr.write(
    `fake hub: ${hub.repo}@${hub.sha} from ${resolve(values.dir)} (${hub.files.length} files); ` +
      `HF_ENDPOINT=${hub.url}\n`,
  )
  const stop = () => {
    hub.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`fake hub: ${(err as Error)?.message ?? String(err)}\n`)
    process.exit(1)
  })
}
