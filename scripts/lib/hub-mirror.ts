/**
 * A local mirror of a dataset revision on the Hub, for the Node side (site build, CLIs), which reads every row
 * anyway: the card and each config's parquet file are downloaded once into `.cache/hub/<dataset>/<sha>/` (the
 * commit sha makes the directory immutable), then everything reads it like any dataset directory. The sha is
 * recorded in `.hub-revision`, so provenance shows the Hub's commit, not a local hash.
 *
 * Same endpoints as the Worker (DATASET.md "Hub access"): dataset info for sha + cardData, `resolve/{sha}/{path}`
 * (redirects followed; the token is sent to the Hub endpoint only), bounded retries with backoff honouring
 * Retry-After. Downloads stream to a temporary file, are checked against Content-Length, then renamed.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { configsFromCardData, DEFAULT_DATASET } from '../../shared/dataset.ts'

/** Where to mirror from. */
export interface HubMirrorOptions {
  endpoint?: string
  dataset?: string
  revision?: string
  token?: string
  /** Root of the mirrors (default `.cache/hub`). */
  cacheDir?: string
  /** Progress lines to stderr. */
  quiet?: boolean
}

const ATTEMPTS = 4

async function fetchWithRetry(url: string, init: RequestInit, what: string): Promise<Response> {
  let last = ''
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let res: Response
    try {
      res = await fetch(url, init)
    } catch (err) {
      last = (err as Error).message
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt))
      continue
    }
    if (res.ok || (res.status >= 300 && res.status < 400)) return res
    last = `HTTP ${res.status}`
    if (res.status !== 429 && res.status < 500) break
    const wait = Number(res.headers.get('retry-after'))
    await res.body?.cancel()
    await new Promise((r) =>
      setTimeout(r, Number.isFinite(wait) && wait > 0 ? wait * 1000 : 500 * 2 ** attempt),
    )
  }
  throw new Error(`${what}: ${last} from ${url}`)
}

/** Mirror the card and every config file of a revision; returns the local directory. */
export async function mirrorHubDataset(options: HubMirrorOptions = {}): Promise<string> {
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(
    /\/+$/,
    '',
  )
  const dataset = options.dataset ?? process.env.HF_DATASET ?? DEFAULT_DATASET
  const revision = options.revision ?? process.env.HF_REVISION ?? 'main'
  const token = options.token ?? process.env.HF_TOKEN
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  const info = (await (
    await fetchWithRetry(
      `${endpoint}/api/datasets/${dataset}/revision/${encodeURIComponent(revision)}`,
      { headers: auth },
      'dataset info',
    )
  ).json()) as { sha?: string; cardData?: unknown }
  if (!info.sha || !/^[0-9a-f]{40}$/.test(info.sha))
    throw new Error(`dataset info of ${dataset}@${revision} has no commit sha`)
  const configs = configsFromCardData(info.cardData)
  if (configs.length === 0) throw new Error(`the card of ${dataset}@${info.sha} declares no parquet configs`)
  const dir = join(options.cacheDir ?? '.cache/hub', dataset, info.sha)
  const origin = new URL(endpoint).origin
  for (const path of ['README.md', ...configs.map((c) => c.path)]) {
    const target = join(dir, path)
    if (existsSync(target)) continue
    mkdirSync(join(target, '..'), { recursive: true })
    const url = `${endpoint}/datasets/${dataset}/resolve/${info.sha}/${path.split('/').map(encodeURIComponent).join('/')}`
    // Follow the redirect by hand: the token goes to the Hub only, never to the CDN.
    let res = await fetchWithRetry(url, { headers: auth, redirect: 'manual' }, path)
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location')
      await res.body?.cancel()
      if (!location) throw new Error(`${path}: redirect without Location`)
      const next = new URL(location, url)
      res = await fetchWithRetry(next.toString(), { headers: next.origin === origin ? auth : {} }, path)
    }
    const expected = Number(res.headers.get('content-length'))
    const partial = `${target}.partial-${process.pid}`
    if (!options.quiet)
      process.stderr.write(
        `mirror: ${path} (${Number.isFinite(expected) ? `${Math.round(expected / 2 ** 20)} MB` : 'size unknown'})\n`,
      )
    try {
      await pipeline(Readable.fromWeb(res.body as NodeReadableStream), createWriteStream(partial))
      const { size } = statSync(partial)
      if (Number.isFinite(expected) && expected > 0 && size !== expected) {
        throw new Error(`${path}: got ${size} of ${expected} bytes`)
      }
      renameSync(partial, target)
    } catch (err) {
      rmSync(partial, { force: true })
      throw err
    }
  }
  writeFileSync(join(dir, '.hub-revision'), `${info.sha}\n`)
  return dir
}
