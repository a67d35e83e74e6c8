/**
 * A local mirror of a dataset revision on the Hub, for the Node side (site build, CLIs), which reads every row
 * anyway: the card and each config's parquet file, downloaded once with `@huggingface/hub` into the standard
 * Hugging Face cache (`$HF_HOME/hub/datasets--owner--name/{blobs,snapshots/<sha>/…,refs/<branch>}`), so a cache
 * that Python's `huggingface_hub` / `datasets` filled is reused and the other way round. The snapshot directory
 * is then read like any dataset directory; its name is the commit sha (`datasetDirRevision` reads it there), so
 * provenance shows the Hub's commit.
 *
 * Endpoints (docs/dataset.md "Hub access"), all through `@huggingface/hub`: dataset info for the sha of a branch
 * (`datasetInfo`), the repository listing for the files' sizes (`listFiles`), and per file `paths-info` +
 * `resolve` (`downloadFileToCacheDir`: blob named by its LFS sha256 or git blob id, snapshot entry a relative
 * symlink to it). Requests go through {@link retryingFetch}: transient failures (network errors, 429, 5xx) are
 * retried with backoff honouring Retry-After. A pinned sha whose files are all cached costs no request at all,
 * and `HF_HUB_OFFLINE=1` resolves a branch through `refs/` like huggingface_hub does.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { datasetInfo, downloadFileToCacheDir, listFiles, type RepoDesignation } from '@huggingface/hub'
import { configsFromCardData, DEFAULT_DATASET } from '../../shared/dataset.ts'
import { parseFrontMatter } from './dataset-card.ts'

/** Where to mirror from and to. */
export interface HubMirrorOptions {
  /** Hub base URL (default `$HF_ENDPOINT`, else https://huggingface.co). */
  endpoint?: string
  /** `owner/name` (default `$HF_DATASET`, else the explored dataset). */
  dataset?: string
  /** Branch, tag or commit sha (default `$HF_REVISION`, else `main`). */
  revision?: string
  /** `hf_…` token (default `$HF_TOKEN`); the library sends it to the Hub, fetch drops it on cross-origin redirects. */
  token?: string
  /** The Hugging Face hub cache (default {@link hubCacheDir}). */
  cacheDir?: string
  /** No progress lines on stderr. */
  quiet?: boolean
  /** Resolve branches from `refs/` only, never ask the Hub (default `$HF_HUB_OFFLINE`). */
  offline?: boolean
  /** The fetch under the retries (tests count requests with it). */
  fetch?: typeof fetch
}

/**
 * The hub cache directory, resolved like huggingface_hub and huggingface.js: `$HF_HUB_CACHE`, else
 * `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
 * `~/.cache/huggingface/hub`.
 */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface')
  return join(home, 'hub')
}

/** `datasets--owner--name` under the cache: the repository's folder. */
export function datasetCacheFolder(cacheDir: string, dataset: string): string {
  return join(cacheDir, `datasets--${dataset.split('/').join('--')}`)
}

const SHA = /^[0-9a-f]{40}$/
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504])

/** Options of {@link retryingFetch}. */
export interface RetryOptions {
  /** Attempts per request (default 4). */
  attempts?: number
  /** Base of the exponential backoff in ms (default 500). */
  backoffMs?: number
  sleep?: (ms: number) => Promise<void>
}

/**
 * `fetch` with bounded retries for what is transient: a network error, 408/425/429/5xx. Waits for
 * `Retry-After` (seconds) when the answer gives one, else an exponential backoff. The last answer or error
 * goes to the caller (`@huggingface/hub` turns a bad status into a `HubApiError` naming the URL).
 */
export function retryingFetch(inner: typeof fetch = fetch, options: RetryOptions = {}): typeof fetch {
  const attempts = Math.max(1, options.attempts ?? 4)
  const backoff = options.backoffMs ?? 500
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  return async (input, init) => {
    for (let n = 1; ; n++) {
      let res: Response
      try {
        res = await inner(input, init)
      } catch (err) {
        if (n >= attempts || init?.signal?.aborted) throw err
        await sleep(backoff * 2 ** (n - 1))
        continue
      }
      if (!RETRYABLE.has(res.status) || n >= attempts) return res
      const wait = Number(res.headers.get('retry-after'))
      await res.body?.cancel().catch(() => undefined)
      await sleep(Number.isFinite(wait) && wait >= 0 ? wait * 1000 : backoff * 2 ** (n - 1))
    }
  }
}

/** The commit sha of `revision`: itself when it is one, else `refs/<revision>` offline, else dataset info. */
async function resolveSha(
  folder: string,
  revision: string,
  offline: boolean,
  ask: () => Promise<string>,
): Promise<string> {
  if (SHA.test(revision)) return revision
  if (offline) {
    const ref = (await readFile(join(folder, 'refs', revision), 'utf8').catch(() => '')).trim()
    if (!SHA.test(ref)) throw new Error(`offline: no cached ref "${revision}" in ${join(folder, 'refs')}`)
    return ref
  }
  const sha = await ask()
  // Like huggingface_hub: refs/<branch> holds the sha it pointed to (no newline).
  await mkdir(join(folder, 'refs', dirname(revision)), { recursive: true })
  await writeFile(join(folder, 'refs', revision), sha)
  return sha
}

/** Mirror the card and every config file of a revision; returns the snapshot directory. */
export async function mirrorHubDataset(options: HubMirrorOptions = {}): Promise<string> {
  const hubUrl = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '')
  const dataset = options.dataset ?? process.env.HF_DATASET ?? DEFAULT_DATASET
  const revision = options.revision ?? process.env.HF_REVISION ?? 'main'
  const accessToken = options.token ?? process.env.HF_TOKEN ?? undefined
  const cacheDir = options.cacheDir ?? hubCacheDir()
  const offline = options.offline ?? ['1', 'true', 'yes', 'on'].includes(process.env.HF_HUB_OFFLINE ?? '')
  const folder = datasetCacheFolder(cacheDir, dataset)
  const repo: RepoDesignation = { type: 'dataset', name: dataset }
  const hub = {
    hubUrl,
    fetch: retryingFetch(options.fetch ?? fetch),
    ...(accessToken ? { accessToken } : {}),
  }
  const say = (line: string) => {
    if (!options.quiet) process.stderr.write(`mirror: ${line}\n`)
  }

  const sha = await resolveSha(folder, revision, offline, async () => {
    const info = await datasetInfo<'sha'>({
      ...hub,
      name: dataset,
      revision,
      additionalFields: ['sha'],
    }).catch((err: Error) => {
      throw new Error(`dataset info of ${dataset}@${revision}: ${err.message}`)
    })
    if (!SHA.test(info.sha)) throw new Error(`dataset info of ${dataset}@${revision} has no commit sha`)
    return info.sha
  })
  const snapshot = join(folder, 'snapshots', sha)
  const download = (path: string) =>
    downloadFileToCacheDir({ ...hub, repo, path, revision: sha, cacheDir }).catch((err: Error) => {
      throw new Error(`${path}@${sha.slice(0, 12)}: ${err.message}`)
    })

  // The card first: the configs it declares are the files to fetch. Read from the snapshot, so a cached
  // revision needs nothing from the Hub.
  const card = join(snapshot, 'README.md')
  if (!existsSync(card)) {
    if (offline) throw new Error(`offline: ${card} is not in the cache`)
    await download('README.md')
  }
  const configs = configsFromCardData(parseFrontMatter(await readFile(card, 'utf8')))
  if (configs.length === 0) throw new Error(`the card of ${dataset}@${sha} declares no parquet configs`)
  const missing = configs.map((c) => c.path).filter((path) => !existsSync(join(snapshot, path)))
  if (missing.length === 0) return snapshot
  if (offline) throw new Error(`offline: ${missing.join(', ')} of ${dataset}@${sha} not in the cache`)

  // The listing gives each file's size, to report it and to check the download against it.
  const sizes = new Map<string, number>()
  for await (const entry of listFiles({ ...hub, repo, revision: sha, recursive: true })) {
    if (entry.type === 'file') sizes.set(entry.path, entry.lfs?.size ?? entry.size)
  }
  for (const path of missing) {
    const expected = sizes.get(path)
    if (expected === undefined)
      throw new Error(`the card declares ${path}, which ${dataset}@${sha} does not have`)
    say(`${path} (${Math.round(expected / 2 ** 20)} MB)`)
    const local = await download(path)
    const { size } = await stat(local)
    if (size !== expected) {
      // A short blob must not stay in the cache: the next run (or Python) would trust it.
      const blob = await realpath(local)
      await rm(local, { force: true })
      await rm(blob, { force: true })
      throw new Error(`${path}: got ${size} of ${expected} bytes`)
    }
  }
  return snapshot
}
