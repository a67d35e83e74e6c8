/**
 * A local stand-in for the Hugging Face Hub, serving one dataset repository from a directory: the one entry
 * to the dev tooling's Hub for tests, benches and `npm start` (`scripts/start.ts`). The repository model and
 * the API's JSON are in `fake-hub/repo.ts`, the HTTP plumbing in `fake-hub/http.ts`, the faults in
 * `fake-hub/faults.ts`; `fake-hub-cli.ts` runs it from a shell.
 *
 * It answers what the project's Hub clients (the Worker's, and `@huggingface/hub` in `npm run mirror`) and
 * Python's `huggingface_hub` ask, with the real shapes (docs/dataset.md, "Hub access"):
 *
 * 1. `GET /api/datasets/{owner}/{name}[/revision/{rev}]`: dataset info JSON (`sha`, `siblings`, `cardData`
 *    parsed from the card's YAML front matter, ...; `expand` narrows it). Unknown repo / revision: 404 with
 *    `X-Error-Code`.
 * 2. `GET /api/datasets/{owner}/{name}/tree/{rev}[/{path}]?recursive=&expand=`: the listing (files with git
 *    blob `oid`, `size` and `lfs`; directories), paged with `Link: <...>; rel="next"`; and
 *    `POST /api/datasets/{owner}/{name}/paths-info/{rev}` (`{"paths": [...], "expand": true}`, JSON or form):
 *    the same entries for the asked paths, with `lastCommit` when expanded.
 * 3. `GET|HEAD /datasets/{owner}/{name}/resolve/{rev}/{path}`: for LFS files (parquet and other binaries,
 *    anything over 10 MiB) a 302 to a signed, expiring "CDN" URL on this server, with `X-Repo-Commit`,
 *    `X-Linked-Size`, `X-Linked-Etag`, `ETag`. Small text files (README.md) are served directly, like the
 *    real Hub does for files stored in git. Missing file: 404 `X-Error-Code: EntryNotFound`.
 * 4. `GET|HEAD /__cdn/{sha}/{path}?expires=&signature=`: the bytes, with RFC 9110 single-range requests
 *    (206 + `Content-Range`, 416 when unsatisfiable), streamed from disk, never buffered whole.
 *
 * Every answer carries `X-Request-Id` and the Hub's `RateLimit` headers. Faults (latency, 429/500/503, dropped
 * connections, truncated bodies, ignored Range) can be switched on for the next N matching requests, in
 * process ({@link FakeHub.setFaults}) or over HTTP (`POST /__control/faults`) for tests whose client runs
 * elsewhere (a Worker in workerd).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import {
  type ActiveFault,
  describeFaults,
  type FaultName,
  type Faults,
  normalizeFaults,
} from './fake-hub/faults.ts'
import {
  type Ctx,
  EXPOSED_HEADERS,
  type FakeHubRequest,
  RATE_QUOTA,
  rateLimitHeaders,
  readBody,
  repoNotFound,
  revisionNotFound,
  safeDecode,
  sendJson,
  sendText,
  serveFile,
} from './fake-hub/http.ts'
import {
  contentType,
  datasetInfoJson,
  type FakeHubFile,
  loadRepo,
  pathsInfoEntries,
  treeEntries,
} from './fake-hub/repo.ts'

export type { FaultName, FaultScope, Faults } from './fake-hub/faults.ts'
export { type FakeHubRequest, parseRange } from './fake-hub/http.ts'
export type { FakeHubFile } from './fake-hub/repo.ts'

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
  /** Entries per page of the tree listing (default 1000, like the Hub); small values test `Link` paging. */
  treePageSize?: number
  /**
   * Serve the signed "CDN" URLs on this other loopback address (e.g. `127.0.0.2`, same port) instead of the
   * Hub's own host, as the real Hub redirects to another host. Default: the host the request came to.
   */
  cdnHost?: string
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

/** Start a fake hub serving `dir` as dataset `repo`. Resolves once it listens. */
export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const name = options.repo ?? DEFAULT_REPO
  if (!/^[\w.-]+\/[\w.-]+$/.test(name)) throw new Error(`fake hub: bad repo name "${name}" (want owner/name)`)
  if (options.revision !== undefined && !/^[0-9a-f]{40}$/.test(options.revision)) {
    throw new Error(`fake hub: revision "${options.revision}" is not a 40-hex commit sha`)
  }
  const ttl = options.signedUrlTtlSeconds ?? 3600
  const treePageSize = Math.max(1, options.treePageSize ?? 1000)
  const root = resolve(options.dir)
  const info = await stat(root).catch(() => null)
  if (!info?.isDirectory()) throw new Error(`fake hub: ${root} is not a directory`)
  const repo = await loadRepo(root, name, options.revision)
  const { sha, files, byPath } = repo
  const signingKey = randomBytes(32)
  const requests: FakeHubRequest[] = []
  let faults = new Map<FaultName, ActiveFault>()
  const rate = { start: Date.now(), api: 0, resolvers: 0 }
  const closing = new AbortController()
  let requestIds = 0

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
      baseHeaders: {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Expose-Headers': EXPOSED_HEADERS,
        'X-Request-Id': `fake-${++requestIds}`,
      },
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
    // paths-info is the one POST of the Hub's read API (huggingface.js and huggingface_hub use it).
    const post = method === 'POST' && kind === 'api' && segments[4] === 'paths-info'
    if (method !== 'GET' && method !== 'HEAD' && !post)
      return sendJson(ctx, 405, { error: 'Method Not Allowed' })
    // The Hub rejects a malformed or unknown token even for public repos.
    const auth = req.headers.authorization
    if (auth !== undefined && !/^Bearer hf_[A-Za-z0-9]+$/.test(auth)) {
      return sendJson(ctx, 401, { error: 'Invalid credentials in Authorization header' })
    }
    if (kind === 'api') return api(ctx, seg.slice(1), url.searchParams)
    return resolveFile(ctx, seg.slice(1))
  }

  /**
   * `/api/datasets/{owner}/{name}[/revision/{rev}]` (dataset info), `.../tree/{rev}[/{path}]` (listing, paged
   * with `Link: <...>; rel="next"`), `POST .../paths-info/{rev}` (the entries of the asked paths).
   */
  async function api(ctx: Ctx, seg: string[], query: URLSearchParams): Promise<void> {
    if (seg[0] !== 'datasets' || seg.length < 3) return sendJson(ctx, 404, { error: 'Not Found' })
    if (`${seg[1]}/${seg[2]}` !== name) return repoNotFound(ctx)
    const action = seg[3]
    if (action === 'tree' || action === 'paths-info') {
      const rev = seg[4] ?? ''
      if (!knownRevision(rev)) return revisionNotFound(ctx, rev)
      if (action === 'tree') return tree(ctx, seg.slice(5).join('/'), query)
      if (ctx.entry.method !== 'POST') return sendJson(ctx, 405, { error: 'Method Not Allowed' })
      return pathsInfo(ctx, seg.length === 5)
    }
    let rev = 'main'
    if (seg.length === 5 && action === 'revision') rev = seg[4] ?? ''
    else if (seg.length !== 3) return sendJson(ctx, 404, { error: 'Not Found' })
    if (!knownRevision(rev)) return revisionNotFound(ctx, rev)
    return sendJson(ctx, 200, datasetInfoJson(repo, query))
  }

  /** One page of the tree listing; the cursor is the offset of the page's first entry. */
  function tree(ctx: Ctx, path: string, query: URLSearchParams) {
    const recursive = query.get('recursive') === 'true' || query.get('recursive') === '1'
    const expand = query.get('expand') === 'true' || query.get('expand') === '1'
    const entries = treeEntries(repo, path, recursive, expand)
    if (!entries) {
      return sendJson(ctx, 404, { error: `Entry not found: ${path}` }, { 'X-Error-Code': 'EntryNotFound' })
    }
    const cursor = query.get('cursor')
    const offset = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString())
    if (!Number.isInteger(offset) || offset < 0) return sendJson(ctx, 400, { error: 'Invalid cursor' })
    const page = entries.slice(offset, offset + treePageSize)
    const headers: Record<string, string> = {}
    if (offset + treePageSize < entries.length) {
      const next = new URL(ctx.req.url ?? '/', `http://${ctx.req.headers.host ?? new URL(hub.url).host}`)
      next.searchParams.set('cursor', Buffer.from(String(offset + treePageSize)).toString('base64url'))
      headers.Link = `<${next.toString()}>; rel="next"`
    }
    return sendJson(ctx, 200, page, headers)
  }

  /** `POST .../paths-info/{rev}` with a JSON (huggingface.js) or form (huggingface_hub) body. */
  async function pathsInfo(ctx: Ctx, wellFormed: boolean): Promise<void> {
    if (!wellFormed) return sendJson(ctx, 404, { error: 'Not Found' })
    let paths: string[] = []
    let expand = false
    try {
      const text = await readBody(ctx.req, 1 << 20)
      if ((ctx.req.headers['content-type'] ?? '').includes('application/json')) {
        const body = JSON.parse(text || '{}') as { paths?: unknown; expand?: unknown }
        paths = Array.isArray(body.paths) ? body.paths.map(String) : [String(body.paths ?? '')]
        expand = body.expand === true || body.expand === 'true'
      } else {
        const form = new URLSearchParams(text)
        paths = form.getAll('paths')
        expand = form.get('expand') === 'true' || form.get('expand') === 'True'
      }
    } catch (err) {
      return sendJson(ctx, 400, { error: `Malformed paths-info body: ${(err as Error).message}` })
    }
    return sendJson(ctx, 200, pathsInfoEntries(repo, paths, expand))
  }

  /** `/datasets/{owner}/{name}/resolve/{rev}/{path...}`. */
  function resolveFile(ctx: Ctx, seg: string[]) {
    if (`${seg[0]}/${seg[1]}` !== name) return repoNotFound(ctx)
    const rev = seg[3] ?? ''
    if (!knownRevision(rev)) return revisionNotFound(ctx, rev)
    const file = byPath.get(seg.slice(4).join('/'))
    if (!file) {
      return sendJson(ctx, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' })
    }
    if (!file.lfs) {
      // Files kept in git are served by the Hub itself, Range included.
      return serveFile(ctx, fileOnDisk(file), file, {
        ETag: `"${file.blobId}"`,
        'X-Repo-Commit': sha,
        'Content-Type': contentType(file.path),
      })
    }
    const host = options.cdnHost
      ? `${options.cdnHost}:${new URL(hub.url).port}`
      : (ctx.req.headers.host ?? new URL(hub.url).host)
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
    return serveFile(ctx, fileOnDisk(file), file, {
      ETag: `"${file.sha256}"`,
      'Content-Type': contentType(file.path),
      'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(base)}; filename="${base}";`,
      'Cache-Control': 'public, max-age=604800, immutable',
    })
  }

  function fileOnDisk(file: FakeHubFile): string {
    return join(root, ...file.path.split('/'))
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
        return reply(200, { url: hub.url, repo: name, sha, files })
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

  const listen = (on: typeof server, port: number, host: string) =>
    new Promise<void>((done, fail) => {
      on.once('error', fail)
      on.listen(port, host, () => {
        on.off('error', fail)
        done()
      })
    })
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1')
  const address = server.address() as AddressInfo
  // The "CDN" on another host (same handler, same port): clients that treat a redirect to another host as
  // the CDN (huggingface_hub stops there and reads the file's metadata from the 302) see the Hub's shape.
  const cdnServer = options.cdnHost ? createServer((req, res) => server.emit('request', req, res)) : null
  if (cdnServer && options.cdnHost) await listen(cdnServer, address.port, options.cdnHost)
  const shownHost = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`

  const hub: FakeHub = {
    url,
    repo: name,
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
    activeFaults: () => describeFaults(faults),
    reset: () => {
      hub.resetLog()
      hub.clearFaults()
    },
    close: () =>
      new Promise<void>((done) => {
        closing.abort()
        cdnServer?.close()
        cdnServer?.closeAllConnections()
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
  return hub
}
