/**
 * The Node side reads the Hub through a mirror in the standard Hugging Face cache, downloaded with
 * `@huggingface/hub` from the Hub stand-in (with faults): byte-identical files, blobs named like
 * huggingface_hub names them, relative snapshot links, `refs/main`; a cached revision costs no download, and a
 * cache filled by Python's huggingface_hub is reused (and ours read by it) when Python has it installed.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeHub, startFakeHub } from '../../scripts/dev/fake-hub.ts'
import { datasetDirRevision } from '../../scripts/lib/dataset-dir.ts'
import {
  datasetCacheFolder,
  hubCacheDir,
  mirrorHubDataset,
  retryingFetch,
} from '../../scripts/lib/hub-mirror.ts'

const ROOT = join(import.meta.dirname, '../..')
const REPO = 'lambda/hermes-agent-reasoning-traces'
const FILES = ['README.md', 'data/kimi/train.parquet', 'data/glm-5.1/train.parquet']
const PYTHON_HUB = spawnSync('python3', ['-c', 'import huggingface_hub'], { encoding: 'utf8' }).status === 0

const tmp = mkdtempSync(join(tmpdir(), 'hte-mirror-'))
const source = join(tmp, 'source')
let hub: FakeHub

beforeAll(async () => {
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'scripts/sample.ts'),
      '--out',
      source,
      '--rows-kimi',
      '30',
      '--rows-glm',
      '20',
      '--seed',
      '3',
    ],
    { stdio: 'ignore' },
  )
  // The CDN on another host, like the Hub's: clients must not send the token there.
  hub = await startFakeHub({ dir: source, treePageSize: 2, cdnHost: '127.0.0.2' })
})
afterAll(async () => {
  await hub.close()
  rmSync(tmp, { recursive: true, force: true })
})

const stats = (d: string) =>
  JSON.parse(
    execFileSync(process.execPath, [join(ROOT, 'scripts/stats.ts'), '--dataset-dir', d, '--quiet'], {
      encoding: 'utf8',
    }),
  )

/** Requests the stand-in logged by kind, e.g. `{ api: 2, resolve: 3, cdn: 6 }`. */
function traffic(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of hub.requests) out[r.kind] = (out[r.kind] ?? 0) + 1
  return out
}

describe('mirrorHubDataset (@huggingface/hub into the Hugging Face cache)', () => {
  const cache = join(tmp, 'hub')
  let dir: string

  it('downloads the card and config files through resolve redirects, surviving faults', async () => {
    hub.reset()
    hub.setFaults({
      status503: { times: 1, match: '/__cdn/', retryAfter: 0 },
      drop: { times: 1, match: '/__cdn/' },
    })
    dir = await mirrorHubDataset({ endpoint: hub.url, cacheDir: cache, token: 'hf_test', quiet: true })
    expect(hub.activeFaults()).toEqual({}) // both faults were met and survived
    // The token went to the Hub's API and resolve endpoints, never to the CDN.
    const cdn = hub.requests.filter((r) => r.kind === 'cdn')
    expect(cdn.length).toBeGreaterThan(0)
    expect(cdn.every((r) => !r.auth)).toBe(true)
    expect(hub.requests.filter((r) => r.kind === 'api').every((r) => r.auth)).toBe(true)
    const folder = datasetCacheFolder(cache, REPO)
    expect(dir).toBe(join(folder, 'snapshots', hub.sha))
    for (const path of FILES) {
      expect(readFileSync(join(dir, path)).equals(readFileSync(join(source, path))), path).toBe(true)
    }
    // The listing was read page by page (Link: rel="next"), and paths-info asked per file.
    const paths = hub.requests.map((r) => `${r.method} ${r.path}${r.query}`)
    expect(paths.filter((p) => p.includes('/tree/')).length).toBeGreaterThan(1)
    expect(paths.some((p) => p.includes('cursor='))).toBe(true)
    expect(paths.filter((p) => p.startsWith(`POST /api/datasets/${REPO}/paths-info/`)).length).toBe(
      FILES.length,
    )
    expect(await datasetDirRevision(dir)).toBe(hub.sha)
    expect(stats(dir)).toEqual(stats(source))
  })

  it('lays the cache out like huggingface_hub: blobs by etag, relative snapshot links, refs/main', () => {
    const folder = datasetCacheFolder(cache, REPO)
    expect(readFileSync(join(folder, 'refs/main'), 'utf8')).toBe(hub.sha)
    for (const path of FILES) {
      const file = hub.files.find((f) => f.path === path)!
      // LFS files are named by their sha256, files kept in git by their git blob id.
      const etag = file.lfs ? file.sha256 : file.blobId
      const link = join(dir, path)
      expect(lstatSync(link).isSymbolicLink(), path).toBe(true)
      const up = '../'.repeat(path.split('/').length + 1)
      expect(readlinkSync(link)).toBe(`${up}blobs/${etag}`)
      expect(readFileSync(join(folder, 'blobs', etag)).equals(readFileSync(join(source, path)))).toBe(true)
    }
    expect(hub.files.find((f) => f.path === 'README.md')?.lfs).toBe(false)
  })

  it('a cached pinned revision costs no request; offline, a branch resolves through refs/', async () => {
    hub.resetLog()
    expect(
      await mirrorHubDataset({ endpoint: hub.url, cacheDir: cache, revision: hub.sha, quiet: true }),
    ).toBe(dir)
    expect(await mirrorHubDataset({ endpoint: hub.url, cacheDir: cache, offline: true, quiet: true })).toBe(
      dir,
    )
    expect(hub.requests).toEqual([])
    // Online, a branch costs one dataset-info request and nothing else.
    expect(await mirrorHubDataset({ endpoint: hub.url, cacheDir: cache, quiet: true })).toBe(dir)
    expect(traffic()).toEqual({ api: 1 })
  })

  it('fails naming the dataset and the revision the Hub does not know', async () => {
    await expect(
      mirrorHubDataset({ endpoint: hub.url, revision: 'nope', cacheDir: join(tmp, 'c2'), quiet: true }),
    ).rejects.toThrow(/dataset info of lambda\/hermes-agent-reasoning-traces@nope: Invalid rev id: nope/)
    await expect(
      mirrorHubDataset({ endpoint: hub.url, cacheDir: join(tmp, 'c3'), offline: true, quiet: true }),
    ).rejects.toThrow(/offline: no cached ref "main"/)
  })

  it('resolves the cache directory like huggingface_hub', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b' })).toBe('/a')
    expect(hubCacheDir({ HF_HOME: '/b' })).toBe('/b/hub')
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub')
  })
})

describe.skipIf(!PYTHON_HUB)("the cache is shared with Python's huggingface_hub", () => {
  // Async: the stand-in answers from this process, so the Python child must not block its event loop.
  const python = async (cache: string, offline: boolean): Promise<string[]> => {
    const script = [
      'from huggingface_hub import hf_hub_download',
      `for f in ${JSON.stringify(FILES)}:`,
      `    print(hf_hub_download("${REPO}", f, repo_type="dataset", revision="main"))`,
    ].join('\n')
    const { stdout } = await promisify(execFile)('python3', ['-c', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        HF_ENDPOINT: hub.url,
        HF_HUB_CACHE: cache,
        HF_HUB_OFFLINE: offline ? '1' : '0',
        HF_HUB_DISABLE_TELEMETRY: '1',
        HF_HUB_DISABLE_PROGRESS_BARS: '1',
        HF_TOKEN: '',
      },
    })
    return stdout.trim().split('\n')
  }

  it('a cache Python filled is reused: no download, one dataset-info request', async () => {
    const cache = join(tmp, 'py-first')
    const paths = await python(cache, false)
    hub.resetLog()
    const dir = await mirrorHubDataset({ endpoint: hub.url, cacheDir: cache, quiet: true })
    expect(paths).toEqual(FILES.map((f) => join(dir, f)))
    expect(traffic()).toEqual({ api: 1 })
  })

  it('a cache we filled is read by Python offline', async () => {
    const cache = join(tmp, 'js-first')
    const dir = await mirrorHubDataset({ endpoint: hub.url, cacheDir: cache, quiet: true })
    hub.resetLog()
    const paths = await python(cache, true)
    expect(paths).toEqual(FILES.map((f) => join(dir, f)))
    expect(hub.requests).toEqual([])
  })
})

describe('retryingFetch', () => {
  const answers = (...list: (number | Error)[]) => {
    const calls: string[] = []
    const inner = (async (input: RequestInfo | URL) => {
      calls.push(String(input))
      const next = list.shift() ?? 200
      if (next instanceof Error) throw next
      return new Response('x', { status: next, headers: next === 503 ? { 'retry-after': '0' } : {} })
    }) as typeof fetch
    return { calls, inner }
  }
  const noSleep = { sleep: async () => {} }

  it('retries network errors, 429 and 5xx, then answers', async () => {
    const { calls, inner } = answers(new TypeError('fetch failed'), 503, 429)
    const res = await retryingFetch(inner, noSleep)('http://hub.test/x')
    expect(res.status).toBe(200)
    expect(calls).toHaveLength(4)
  })

  it('hands back a final failure and never retries a 404', async () => {
    const failing = answers(500, 500, 500, 500, 500)
    expect(
      (await retryingFetch(failing.inner, { ...noSleep, attempts: 3 })('http://hub.test/x')).status,
    ).toBe(500)
    expect(failing.calls).toHaveLength(3)
    const missing = answers(404)
    expect((await retryingFetch(missing.inner, noSleep)('http://hub.test/x')).status).toBe(404)
    expect(missing.calls).toHaveLength(1)
  })
})
