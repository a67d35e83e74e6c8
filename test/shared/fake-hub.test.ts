import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FakeHub, parseRange, startFakeHub } from '../../scripts/dev/fake-hub.ts'
import { parseFrontMatter } from '../../scripts/lib/dataset-card.ts'
import { datasetDirRevision } from '../../scripts/lib/dataset-dir.ts'

const REPO = 'lambda/hermes-agent-reasoning-traces'
const KIMI = 'data/kimi/train.parquet'
const GLM = 'data/glm-5.1/train.parquet'

const CARD = `---
license: apache-2.0
task_categories:
- text-generation
language:
- en
tags: [agents, tool-use, 'function calling']  # flow list with a comment
pretty_name: Hermes Agent Reasoning Traces
size_categories:
- 10K<n<100K
configs:
- config_name: kimi
  data_files:
  - split: train
    path: data/kimi/train.parquet
- config_name: glm-5.1
  data_files:
    - split: train
      path: data/glm-5.1/train.parquet
---

# Hermes agent reasoning traces
`

/** Deterministic pseudo-random bytes (an LCG), so byte slices are distinguishable. */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

async function writeRepo(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), content)
  }
}

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** The body arrived whole (as long as Content-Length said). */
  complete: boolean
  /** Socket error code when the connection failed before or during the response. */
  error: string | null
}

/** One HTTP request with node:http: no redirect following, partial bodies and resets observable. */
function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((done) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false })
    req.on('error', (err: NodeJS.ErrnoException) => {
      done({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false, error: err.code ?? err.message })
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let error: string | null = null
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', (err: NodeJS.ErrnoException) => {
        error = err.code ?? err.message
      })
      res.on('close', () => {
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
          error,
        })
      })
    })
    req.end()
  })
}

let dir: string
let hub: FakeHub
const kimi = bytes(200_000, 1)
const glm = bytes(70_000, 2)

const api = (path = '') => `${hub.url}/api/datasets/${REPO}${path}`
const resolveUrl = (path: string, rev = 'main') => `${hub.url}/datasets/${REPO}/resolve/${rev}/${path}`
async function cdnUrl(path: string): Promise<string> {
  const res = await raw(resolveUrl(path))
  expect(res.status).toBe(302)
  return String(res.headers.location)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-hub-'))
  await writeRepo(dir, {
    'README.md': CARD,
    '.gitattributes': '*.parquet filter=lfs diff=lfs merge=lfs -text\n',
    [KIMI]: kimi,
    [GLM]: glm,
  })
  hub = await startFakeHub({ dir })
})

afterAll(async () => {
  await hub?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

beforeEach(() => {
  hub.reset()
})

describe('dataset info', () => {
  it('answers the Hub shape with sha, siblings and the parsed card', async () => {
    const res = await fetch(api('/revision/main'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const info = (await res.json()) as Record<string, unknown>
    expect(info).toMatchObject({
      id: REPO,
      author: 'lambda',
      sha: hub.sha,
      private: false,
      gated: false,
      disabled: false,
      lastModified: '2026-03-20T12:00:00.000Z',
    })
    expect(hub.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(info.siblings).toEqual([
      { rfilename: '.gitattributes' },
      { rfilename: 'README.md' },
      { rfilename: GLM },
      { rfilename: KIMI },
    ])
    const card = info.cardData as Record<string, unknown>
    expect(card.configs).toEqual([
      { config_name: 'kimi', data_files: [{ split: 'train', path: KIMI }] },
      { config_name: 'glm-5.1', data_files: [{ split: 'train', path: GLM }] },
    ])
    expect(card.pretty_name).toBe('Hermes Agent Reasoning Traces')
    expect(card.tags).toEqual(['agents', 'tool-use', 'function calling'])
    expect(info.tags).toEqual(
      expect.arrayContaining(['agents', 'function calling', 'license:apache-2.0', 'format:parquet']),
    )
  })

  it('gives sizes and LFS oids in siblings only with blobs=true', async () => {
    const info = (await (await fetch(api('/revision/main?blobs=true'))).json()) as {
      siblings: { rfilename: string; size: number; lfs?: { sha256: string; size: number } }[]
    }
    const kimiSibling = info.siblings.find((s) => s.rfilename === KIMI)
    expect(kimiSibling?.size).toBe(kimi.length)
    expect(kimiSibling?.lfs).toMatchObject({
      sha256: createHash('sha256').update(kimi).digest('hex'),
      size: kimi.length,
    })
    expect(info.siblings.find((s) => s.rfilename === 'README.md')?.lfs).toBeUndefined()
  })

  it('answers by sha, by HEAD and without a revision; expand keeps sha, siblings, cardData', async () => {
    for (const path of [`/revision/${hub.sha}`, '/revision/HEAD', '']) {
      const info = (await (await fetch(api(path))).json()) as { sha: string }
      expect(info.sha).toBe(hub.sha)
    }
    const res = await fetch(api('/revision/main?expand[]=downloads&expand=likes'))
    const info = (await res.json()) as Record<string, unknown>
    expect(Object.keys(info).sort()).toEqual([
      '_id',
      'cardData',
      'downloads',
      'id',
      'likes',
      'sha',
      'siblings',
    ])
  })

  it('derives a stable sha from the content, or advertises a given revision', async () => {
    const same = await startFakeHub({ dir })
    const pinned = 'b92885e4f0161d4b2536512710e004d4892cac6e'
    const pinnedHub = await startFakeHub({ dir, revision: pinned })
    const otherDir = await mkdtemp(join(tmpdir(), 'fake-hub-other-'))
    await writeRepo(otherDir, { 'README.md': CARD, [KIMI]: bytes(1000, 3) })
    const other = await startFakeHub({ dir: otherDir })
    try {
      expect(same.sha).toBe(hub.sha)
      expect(hub.sha).toBe(await datasetDirRevision(dir)) // the revision `npm run stats` records
      expect(other.sha).not.toBe(hub.sha)
      expect(pinnedHub.sha).toBe(pinned)
      const res = await raw(`${pinnedHub.url}/datasets/${REPO}/resolve/${pinned}/${KIMI}`)
      expect(res.headers['x-repo-commit']).toBe(pinned)
    } finally {
      await Promise.all([same.close(), pinnedHub.close(), other.close()])
      await rm(otherDir, { recursive: true, force: true })
    }
  })

  it('answers 404 RepoNotFound / RevisionNotFound and 401 for a malformed token', async () => {
    const noRepo = await fetch(`${hub.url}/api/datasets/lambda/nope/revision/main`)
    expect(noRepo.status).toBe(404)
    expect(noRepo.headers.get('x-error-code')).toBe('RepoNotFound')
    expect(await noRepo.json()).toEqual({ error: 'Repository not found' })

    const noRev = await fetch(api('/revision/v9'))
    expect(noRev.status).toBe(404)
    expect(noRev.headers.get('x-error-code')).toBe('RevisionNotFound')

    const badToken = await fetch(api('/revision/main'), { headers: { Authorization: 'token abc' } })
    expect(badToken.status).toBe(401)
    const goodToken = await fetch(api('/revision/main'), { headers: { Authorization: 'Bearer hf_abc123' } })
    expect(goodToken.status).toBe(200)
    await goodToken.arrayBuffer()
    expect(hub.requests.map((r) => [r.status, r.auth])).toEqual([
      [404, false],
      [404, false],
      [401, true],
      [200, true],
    ])
  })
})

describe('resolve and CDN', () => {
  it('redirects an LFS file to a signed CDN URL with the Hub headers', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(resolveUrl(KIMI), { method })
      expect(res.status).toBe(302)
      const location = new URL(String(res.headers.location))
      expect(location.origin).toBe(hub.url)
      expect(location.pathname).toBe(`/__cdn/${hub.sha}/${KIMI}`)
      expect(location.searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/)
      expect(Number(location.searchParams.get('expires'))).toBeGreaterThan(Date.now() / 1000 + 3000)
      expect(res.headers['x-repo-commit']).toBe(hub.sha)
      expect(res.headers['x-linked-size']).toBe(String(kimi.length))
      expect(res.headers['x-linked-etag']).toBe(`"${createHash('sha256').update(kimi).digest('hex')}"`)
      expect(res.headers.etag).toMatch(/^"[0-9a-f]{40}"$/)
    }
  })

  it('serves a Range as 206 with Content-Range, through the redirect', async () => {
    const res = await fetch(resolveUrl(KIMI, hub.sha), { headers: { Range: 'bytes=1000-4999' } })
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe(`bytes 1000-4999/${kimi.length}`)
    expect(res.headers.get('content-length')).toBe('4000')
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    expect(res.headers.get('etag')).toBe(`"${createHash('sha256').update(kimi).digest('hex')}"`)
    expect(Buffer.from(await res.arrayBuffer()).equals(kimi.subarray(1000, 5000))).toBe(true)
  })

  it('serves suffix, open-ended and over-long ranges, and the size probe bytes=0-0', async () => {
    const url = await cdnUrl(GLM)
    const cases: [string, number, number][] = [
      ['bytes=-100', glm.length - 100, glm.length - 1],
      [`bytes=-${glm.length + 5}`, 0, glm.length - 1],
      ['bytes=69000-', 69000, glm.length - 1],
      ['bytes=69990-80000', 69990, glm.length - 1],
      ['bytes=0-0', 0, 0],
    ]
    for (const [range, start, end] of cases) {
      const res = await raw(url, { headers: { Range: range } })
      expect(res.status, range).toBe(206)
      expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end}/${glm.length}`)
      expect(res.body.equals(glm.subarray(start, end + 1)), range).toBe(true)
    }
  })

  it('answers 416 with bytes */total for an unsatisfiable range', async () => {
    const url = await cdnUrl(GLM)
    for (const range of [`bytes=${glm.length}-`, 'bytes=-0']) {
      const res = await raw(url, { headers: { Range: range } })
      expect(res.status, range).toBe(416)
      expect(res.headers['content-range']).toBe(`bytes */${glm.length}`)
    }
  })

  it('answers 200 with the whole file without Range, and headers only for HEAD', async () => {
    const url = await cdnUrl(GLM)
    const full = await raw(url)
    expect(full.status).toBe(200)
    expect(full.body.equals(glm)).toBe(true)
    const head = await raw(url, { method: 'HEAD', headers: { Range: 'bytes=0-9' } })
    expect(head.status).toBe(206)
    expect(head.headers['content-length']).toBe('10')
    expect(head.body.length).toBe(0)
  })

  it('answers 404 EntryNotFound for a missing file', async () => {
    const res = await raw(resolveUrl('data/nope/train.parquet'))
    expect(res.status).toBe(404)
    expect(res.headers['x-error-code']).toBe('EntryNotFound')
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'Entry not found' })
  })

  it('serves small git files (README.md) directly, Range included', async () => {
    const res = await raw(resolveUrl('README.md'), { headers: { Range: 'bytes=0-2' } })
    expect(res.status).toBe(206)
    expect(res.headers['x-repo-commit']).toBe(hub.sha)
    expect(res.body.toString()).toBe('---')
  })

  it('refuses a tampered or expired CDN URL', async () => {
    const url = new URL(await cdnUrl(KIMI))
    url.searchParams.set('signature', '0'.repeat(64))
    expect((await raw(url.href)).status).toBe(403)
    const expiring = await startFakeHub({ dir, signedUrlTtlSeconds: -1 })
    try {
      const res = await raw(`${expiring.url}/datasets/${REPO}/resolve/main/${KIMI}`)
      const cdn = await raw(String(res.headers.location))
      expect(cdn.status).toBe(403)
      expect(JSON.parse(cdn.body.toString()).error).toMatch(/expired/)
    } finally {
      await expiring.close()
    }
  })

  it('logs method, path, range, status and bytes of every request', async () => {
    const url = await cdnUrl(KIMI)
    await raw(url, { headers: { Range: 'bytes=10-19' } })
    await raw(url, { method: 'HEAD' })
    expect(hub.requests).toEqual([
      {
        method: 'GET',
        path: `/datasets/${REPO}/resolve/main/${KIMI}`,
        query: '',
        kind: 'resolve',
        range: null,
        status: 302,
        bytes: expect.any(Number),
        faults: [],
        auth: false,
      },
      expect.objectContaining({
        kind: 'cdn',
        path: `/__cdn/${hub.sha}/${KIMI}`,
        range: 'bytes=10-19',
        status: 206,
        bytes: 10,
      }),
      expect.objectContaining({ method: 'HEAD', kind: 'cdn', range: null, status: 200, bytes: 0 }),
    ])
    hub.resetLog()
    expect(hub.requests).toEqual([])
  })
})

describe('faults', () => {
  it('status503 hits only the next N matching requests, with Retry-After', async () => {
    const url = await cdnUrl(KIMI)
    hub.setFaults({ status503: { times: 2, match: '/__cdn/', retryAfter: 3 } })
    expect((await raw(resolveUrl(KIMI))).status).toBe(302) // does not match: not counted
    for (let i = 0; i < 2; i++) {
      const res = await raw(url, { headers: { Range: 'bytes=0-9' } })
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toBe('3')
    }
    expect((await raw(url, { headers: { Range: 'bytes=0-9' } })).status).toBe(206)
    expect(hub.activeFaults()).toEqual({})
    expect(hub.requests.map((r) => [r.kind, r.status, r.faults])).toEqual([
      ['resolve', 302, []], // cdnUrl(), before the fault was set
      ['resolve', 302, []],
      ['cdn', 503, ['status503']],
      ['cdn', 503, ['status503']],
      ['cdn', 206, []],
    ])
  })

  it('status429 carries Retry-After and the RateLimit headers of the bucket', async () => {
    hub.setFaults({ status429: { times: 2, retryAfter: 7 } })
    const resolveRes = await raw(resolveUrl(KIMI))
    expect(resolveRes.status).toBe(429)
    expect(resolveRes.headers['retry-after']).toBe('7')
    expect(resolveRes.headers.ratelimit).toBe('"resolvers";r=0;t=7')
    expect(resolveRes.headers['ratelimit-policy']).toBe('"fixed window";"resolvers";q=3000;w=300')
    const apiRes = await raw(api('/revision/main'))
    expect(apiRes.status).toBe(429)
    expect(apiRes.headers.ratelimit).toBe('"api";r=0;t=7')
    expect((await raw(api('/revision/main'))).status).toBe(200)
  })

  it('status500 answers 500 once', async () => {
    hub.setFaults({ status500: { times: 1, match: '/api/' } })
    expect((await raw(api('/revision/main'))).status).toBe(500)
    expect((await raw(api('/revision/main'))).status).toBe(200)
  })

  it('latencyMs delays the answer', async () => {
    hub.setFaults({ latencyMs: { ms: 200, times: 1 } })
    let t = performance.now()
    expect((await raw(api())).status).toBe(200)
    expect(performance.now() - t).toBeGreaterThanOrEqual(180)
    t = performance.now()
    await raw(api())
    expect(performance.now() - t).toBeLessThan(180)
    expect(hub.requests[0]?.faults).toEqual(['latencyMs'])
  })

  it('drop closes the connection without a response', async () => {
    const url = await cdnUrl(KIMI)
    hub.setFaults({ drop: { times: 1, match: '/__cdn/' } })
    const dropped = await raw(url, { headers: { Range: 'bytes=0-99' } })
    expect(dropped.status).toBe(0)
    expect(dropped.error).toMatch(/ECONNRESET|socket hang up/)
    expect(hub.requests.at(-1)).toMatchObject({ kind: 'cdn', status: 0, bytes: 0, faults: ['drop'] })
    const again = await raw(url, { headers: { Range: 'bytes=0-99' } })
    expect(again.status).toBe(206)
    expect(again.body.equals(kimi.subarray(0, 100))).toBe(true)
  })

  it('truncate sends the full Content-Length but part of the body', async () => {
    const url = await cdnUrl(KIMI)
    hub.setFaults({ truncate: { times: 1, bytes: 1234 } })
    const cut = await raw(url, { headers: { Range: 'bytes=0-99999' } })
    expect(cut.status).toBe(206)
    expect(cut.headers['content-length']).toBe('100000')
    expect(cut.complete).toBe(false)
    expect(cut.body.length).toBe(1234)
    expect(cut.body.equals(kimi.subarray(0, 1234))).toBe(true)
    expect(hub.requests.at(-1)).toMatchObject({ status: 206, bytes: 1234, faults: ['truncate'] })
    const whole = await raw(url, { headers: { Range: 'bytes=0-99999' } })
    expect(whole.complete).toBe(true)
    expect(whole.body.length).toBe(100000)
  })

  it('truncate without bytes sends half, also for JSON, and fetch sees the body fail', async () => {
    hub.setFaults({ truncate: { times: 1, match: '/api/' } })
    const res = await fetch(api('/revision/main'))
    expect(res.status).toBe(200)
    const length = Number(res.headers.get('content-length'))
    await expect(res.text()).rejects.toThrow()
    expect(hub.requests.at(-1)).toMatchObject({
      status: 200,
      bytes: Math.floor(length / 2),
      faults: ['truncate'],
    })
  })

  it('ignoreRange answers 200 with the whole file despite Range', async () => {
    const url = await cdnUrl(GLM)
    hub.setFaults({ ignoreRange: { times: 1 } })
    expect((await raw(url)).status).toBe(200) // no Range: not counted
    const ignored = await raw(url, { headers: { Range: 'bytes=0-9' } })
    expect(ignored.status).toBe(200)
    expect(ignored.headers['content-range']).toBeUndefined()
    expect(ignored.body.equals(glm)).toBe(true)
    expect((await raw(url, { headers: { Range: 'bytes=0-9' } })).status).toBe(206)
  })

  it('rejects unknown faults and options, naming them', () => {
    expect(() => hub.setFaults({ status502: true } as never)).toThrow(/unknown fault "status502"/)
    expect(() => hub.setFaults({ drop: { time: 1 } } as never)).toThrow(/unknown option "time"/)
    expect(() => hub.setFaults({ latencyMs: { times: 1 } } as never)).toThrow(/ms is required/)
  })
})

describe('control endpoint', () => {
  it('sets faults, reads the log and resets over HTTP, without logging itself', async () => {
    const set = await fetch(`${hub.url}/__control/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status503: { times: 1, match: '/__cdn/' }, latencyMs: 5 }),
    })
    expect(set.status).toBe(200)
    expect(await set.json()).toEqual({
      faults: { status503: { times: 1, match: '/__cdn/', retryAfter: 1 }, latencyMs: { ms: 5 } },
    })
    const url = await cdnUrl(KIMI)
    expect((await raw(url, { headers: { Range: 'bytes=5-9' } })).status).toBe(503)
    expect((await raw(url, { headers: { Range: 'bytes=5-9' } })).status).toBe(206)

    const log = (await (await fetch(`${hub.url}/__control/log`)).json()) as {
      sha: string
      requests: { kind: string; range: string | null; status: number; bytes: number }[]
    }
    expect(log.sha).toBe(hub.sha)
    expect(log.requests.map((r) => [r.kind, r.range, r.status])).toEqual([
      ['resolve', null, 302],
      ['cdn', 'bytes=5-9', 503],
      ['cdn', 'bytes=5-9', 206],
    ])
    expect(log.requests[2]?.bytes).toBe(5)

    const info = (await (await fetch(`${hub.url}/__control/info`)).json()) as { sha: string; repo: string }
    expect(info).toMatchObject({ sha: hub.sha, repo: REPO })

    expect((await fetch(`${hub.url}/__control/reset`, { method: 'POST' })).status).toBe(200)
    expect(hub.requests).toEqual([])
    expect(hub.activeFaults()).toEqual({})
  })

  it('answers 400 naming a bad fault', async () => {
    const res = await fetch(`${hub.url}/__control/faults`, { method: 'POST', body: '{"status418": true}' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/status418/)
  })
})

describe('tree listing and paths-info (the endpoints @huggingface/hub and huggingface_hub use)', () => {
  type Entry = { type: string; path: string; oid: string; size: number; lfs?: { oid: string; size: number } }
  const tree = async (path = '', query = '') => {
    const res = await fetch(`${api(`/tree/main${path ? `/${path}` : ''}`)}${query}`)
    return { res, body: res.ok ? ((await res.json()) as Entry[]) : null }
  }

  it('lists a directory level by level, or everything with recursive=true', async () => {
    const root = await tree()
    expect(root.body?.map((e) => `${e.type} ${e.path}`)).toEqual([
      'directory data',
      'file .gitattributes',
      'file README.md',
    ])
    expect((await tree('data')).body?.map((e) => e.path)).toEqual(['data/glm-5.1', 'data/kimi'])
    const all = (await tree('', '?recursive=true')).body ?? []
    const kimiEntry = all.find((e) => e.path === KIMI)
    const kimiFile = hub.files.find((f) => f.path === KIMI)!
    // A file in LFS: oid is the pointer's git blob id, lfs.oid the content's sha256.
    expect(kimiEntry).toMatchObject({ type: 'file', size: kimi.length, oid: kimiFile.blobId })
    expect(kimiEntry?.lfs).toMatchObject({
      oid: createHash('sha256').update(kimi).digest('hex'),
      size: kimi.length,
    })
    expect(all.filter((e) => e.type === 'file').map((e) => e.path)).toEqual(hub.files.map((f) => f.path))
  })

  it('pages with Link: rel="next" and answers 404 EntryNotFound for a missing path', async () => {
    const small = await startFakeHub({ dir, treePageSize: 2 })
    try {
      const seen: string[] = []
      let url: string | undefined = `${small.url}/api/datasets/${REPO}/tree/main?recursive=true`
      let pages = 0
      while (url) {
        const res: Response = await fetch(url)
        seen.push(...((await res.json()) as Entry[]).map((e) => e.path))
        url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
        pages++
      }
      expect(pages).toBe(4) // 3 directories + 4 files, 2 per page
      expect(new Set(seen).size).toBe(7)
    } finally {
      await small.close()
    }
    const missing = await tree('nope')
    expect(missing.res.status).toBe(404)
    expect(missing.res.headers.get('x-error-code')).toBe('EntryNotFound')
  })

  it('paths-info answers the asked paths that exist, from a JSON or a form body', async () => {
    const url = api(`/paths-info/${hub.sha}`)
    const json = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: [KIMI, 'missing.txt', 'README.md'], expand: true }),
    })
    expect(json.status).toBe(200)
    const entries = (await json.json()) as (Entry & { lastCommit?: { id: string } })[]
    expect(entries.map((e) => e.path)).toEqual([KIMI, 'README.md'])
    expect(entries[0]?.lastCommit?.id).toBe(hub.sha)
    const form = await fetch(url, { method: 'POST', body: new URLSearchParams([['paths', GLM]]) })
    expect(((await form.json()) as Entry[]).map((e) => e.path)).toEqual([GLM])
    // The rest of the API stays read-only.
    expect((await fetch(api('/revision/main'), { method: 'POST' })).status).toBe(405)
  })
})

describe('parseRange (RFC 9110 single ranges)', () => {
  it.each([
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=50-500', 100, { start: 50, end: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-0', 0, 'unsatisfiable'],
    ['bytes=9-0', 100, null],
    ['bytes=0-1,5-6', 100, null],
    ['items=0-1', 100, null],
  ] as const)('%s of %i bytes', (header, total, want) => {
    expect(parseRange(header, total)).toEqual(want)
  })
})

describe('card YAML front matter (the yaml package)', () => {
  it('parses nested block lists and maps, flow lists, quotes and scalars', () => {
    expect(
      parseFrontMatter(`---
a: 1
b: [x, "y, z", 'it''s']
c:
  - name: id
    dtype: string
  - {name: n, dtype: int64}
d: ~
e: true
f: glm-5.1
g: "quoted # not a comment"
h: |-
  two
  lines
---
# body
`),
    ).toEqual({
      a: 1,
      b: ['x', 'y, z', "it's"],
      c: [
        { name: 'id', dtype: 'string' },
        { name: 'n', dtype: 'int64' },
      ],
      d: null,
      e: true,
      f: 'glm-5.1',
      g: 'quoted # not a comment',
      h: 'two\nlines',
    })
  })

  it('reads only the front matter of a card, and {} without one', () => {
    expect(parseFrontMatter(CARD).license).toBe('apache-2.0')
    expect(parseFrontMatter('# no front matter\n')).toEqual({})
    expect(parseFrontMatter('\uFEFF---\r\nlicense: mit\r\n---\r\n# CRLF card\r\n')).toEqual({
      license: 'mit',
    })
    expect(parseFrontMatter('---\n---\n# empty\n')).toEqual({})
  })

  it('throws naming the problem on front matter that is not a YAML mapping', () => {
    expect(() => parseFrontMatter('---\n- a\n- b\n---\n')).toThrow(/must be a YAML mapping/)
    expect(() => parseFrontMatter('---\na: [1, 2\n---\n')).toThrow(/line/i)
  })
})
