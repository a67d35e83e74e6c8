/**
 * The full-text search index in R2: built by the Queue from the stats slices, merged shard by shard, read by
 * `GET /api/search` a few objects at a time.
 *
 * Build: every stats slice (workers/data/slices.ts `computeSlice`, inside the memory gate with its rows parsed)
 * also writes its partial index (shared/search/partial.ts: a docs section and one section per shard), the texts
 * of its messages (the snippets' source) and each distinct system prompt once per config. When every slice's
 * partial exists, a manifest job merges their docs sections into the config's manifest and sends one merge job
 * per shard; shard job k reads section k of every partial (byte-range reads) and writes the final dictionary and
 * postings of shard k. Every job is idempotent (it returns at once when its output exists) and writes its
 * completion marker last (the partial after the texts; the dictionary after the postings).
 *
 * Repair, as for the stats: transient failures are retried by the Queue and revived from the dead-letter queue;
 * whoever looks at the index (a query, /api/health, the cron) re-sends whatever is missing, at most every few
 * minutes per isolate.
 *
 * R2 keys, under `<dataset>/<sha>/<config>`: `partials/…/search/<slice>.bin`, `index/…/search/text/<slice>.bin`,
 * `index/…/search/system/<key>.txt`, `index/…/search/manifest.bin`, `index/…/search/layout.json` (each slice's
 * section byte ranges), `index/…/search/post/<k>.bin`, `index/…/search/dict/<k>.bin`.
 */
import type { RowRange } from '../../shared/parquet.ts'
import { fromUtf8 } from '../../shared/search/bytes.ts'
import type { SearchSource } from '../../shared/search/evaluate.ts'
import {
  type SearchManifest,
  searchManifestBuild,
  searchManifestBytes,
  searchManifestDecode,
} from '../../shared/search/manifest.ts'
import {
  PARTIAL_HEAD_BYTES,
  type PartialLayout,
  partialDocsDecode,
  partialLayout,
  type SearchPartialBuild,
} from '../../shared/search/partial.ts'
import {
  type SearchDict,
  searchDictBytes,
  searchDictDecode,
  searchShardMerge,
} from '../../shared/search/shard.ts'
import type { SearchIndexProgress } from '../../shared/types.ts'
import { HttpProblem } from '../problem.ts'
import type { DataContext, RevisionInfo } from './context.ts'
import { SharedWork } from './shared-work.ts'
import { configSlices, enqueueSlices, type SliceMessage, sliceBase, sliceName } from './slices.ts'
import { StorageError } from './storage.ts'

/**
 * Shards of a config's index (terms by a hash of their first two characters). 64 keeps a full-scale config's
 * shard inputs to a few MB each (32 gave ~7.5 MB, over the memory budget at the merge's estimate).
 */
export const SEARCH_SHARDS = 64
/** Seconds a client should wait while the index is being built. */
export const SEARCH_RETRY_AFTER = 10
/** Don't re-send the same merge job more often than this (per isolate; the Queue retries meanwhile). */
const RE_ENQUEUE_MS = 5 * 60_000
const GET_TIMEOUT_MS = 10_000
/** First bytes read of each partial by the manifest job: the head and, usually, the whole docs section. */
const FIRST_READ_BYTES = PARTIAL_HEAD_BYTES + 96 * 1024
/** Memory reserved for the manifest job (every slice's docs section decoded, the manifest built). */
const MANIFEST_JOB_BYTES = 16 * 2 ** 20

const sent = new Map<string, number>()
const complete = new Set<string>()
// Memo caps: these live beside the memory gate's budget and the other caches in a 128 MB isolate. A full-scale
// config's decoded manifest is ~7 MB and its shard dictionaries ~15 MB together: both configs' manifests fit, the
// dictionaries of the shards queries touch most stay.
const manifests = new SharedWork<SearchManifest>({
  maxEntries: 4,
  maxBytes: 16 * 2 ** 20,
  sizeOf: searchManifestBytes,
})
const dicts = new SharedWork<SearchDict>({ maxEntries: 256, maxBytes: 12 * 2 ** 20, sizeOf: searchDictBytes })
const systemTexts = new SharedWork<string>({
  maxEntries: 32,
  maxBytes: 4 * 2 ** 20,
  sizeOf: (t) => t.length * 2,
})

function keys(base: string) {
  return {
    partials: `partials/${base}/search/`,
    partial: (range: RowRange) => `partials/${base}/search/${sliceName(range)}.bin`,
    text: (range: RowRange) => `index/${base}/search/text/${sliceName(range)}.bin`,
    system: (key: string) => `index/${base}/search/system/${key}.txt`,
    manifest: `index/${base}/search/manifest.bin`,
    layout: `index/${base}/search/layout.json`,
    dicts: `index/${base}/search/dict/`,
    dict: (k: number) => `index/${base}/search/dict/${k}.bin`,
    postings: (k: number) => `index/${base}/search/post/${k}.bin`,
  }
}

/** Bytes [offset, offset + length) of an object; null when the object is absent. R2 failures throw. */
async function readRange(
  ctx: DataContext,
  key: string,
  offset: number,
  length: number,
): Promise<Uint8Array | null> {
  if (length <= 0) return new Uint8Array(0)
  ctx.traffic.r2Gets++
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageError(`R2 range get ${key} did not answer`)), GET_TIMEOUT_MS)
  })
  try {
    const read = (async () => {
      const obj = await ctx.env.CACHE.get(key, { range: { offset, length } })
      return obj ? new Uint8Array(await obj.arrayBuffer()) : null
    })()
    return await Promise.race([read, timeout])
  } catch (err) {
    ctx.traffic.r2Errors++
    throw err instanceof StorageError
      ? err
      : new StorageError(`R2 range get ${key} failed: ${(err as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
}

/** The bytes of a view as an ArrayBuffer of their own (what R2 puts take). */
function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** The whole object, or a 503 when it is missing or R2 fails (derived data that must exist). */
async function readAll(ctx: DataContext, key: string): Promise<Uint8Array> {
  const bytes = await ctx.storage.bytesStrict(key)
  if (!bytes) throw new StorageError(`search index object ${key} is missing`)
  return new Uint8Array(bytes)
}

/** Store a slice's partial index: texts and system prompts first, the partial (its completion marker) last. */
export async function searchSliceStore(
  ctx: DataContext,
  base: string,
  range: RowRange,
  built: SearchPartialBuild,
): Promise<void> {
  const k = keys(base)
  await ctx.storage.putStrict(k.text(range), bufferOf(built.text))
  for (const [key, text] of built.systemTexts) {
    if (!(await ctx.storage.exists(k.system(key)))) await ctx.storage.putStrict(k.system(key), text)
  }
  await ctx.storage.putStrict(k.partial(range), bufferOf(built.partial))
}

/** Whether a slice's partial index exists. */
export function searchSliceKey(base: string, range: RowRange): string {
  return keys(base).partial(range)
}

/** Where a config's index stands, with the lists of what is missing (health shows it without them). */
export interface SearchProgress extends SearchIndexProgress {
  /** Slices whose partial index is missing. */
  missing: RowRange[]
  /** Shards whose final objects are missing (when the manifest exists). */
  missingShards: number[]
}

/** R2 listings of what exists (nothing is loaded). */
export async function searchProgress(ctx: DataContext, config: string): Promise<SearchProgress> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const { slices } = await configSlices(ctx, config)
  const all = Array.from({ length: SEARCH_SHARDS }, (_, i) => i)
  if (complete.has(base)) {
    return {
      complete: true,
      slicesDone: slices.length,
      slicesTotal: slices.length,
      manifest: true,
      shardsDone: SEARCH_SHARDS,
      shardsTotal: SEARCH_SHARDS,
      missing: [],
      missingShards: [],
    }
  }
  const k = keys(base)
  const done = new Set((await ctx.storage.list(k.partials)).keys.map((key) => key.slice(k.partials.length)))
  const missing = slices.filter((s) => !done.has(`${sliceName(s)}.bin`))
  const manifest = await ctx.storage.exists(k.manifest)
  const dictNames = manifest
    ? new Set((await ctx.storage.list(k.dicts)).keys.map((key) => key.slice(k.dicts.length)))
    : new Set<string>()
  const missingShards = all.filter((s) => !dictNames.has(`${s}.bin`))
  const isComplete = missing.length === 0 && manifest && missingShards.length === 0
  if (isComplete) complete.add(base)
  return {
    complete: isComplete,
    slicesDone: slices.length - missing.length,
    slicesTotal: slices.length,
    manifest,
    shardsDone: manifest ? SEARCH_SHARDS - missingShards.length : 0,
    shardsTotal: SEARCH_SHARDS,
    missing,
    missingShards: manifest ? missingShards : all,
  }
}

/** Send merge jobs (at most once per RE_ENQUEUE_MS per isolate, unless `force`). */
async function sendMerges(
  ctx: DataContext,
  info: RevisionInfo,
  config: string,
  shards: number[],
  force = false,
) {
  const now = Date.now()
  const messages: { body: SliceMessage }[] = []
  for (const shard of shards) {
    const key = `${sliceBase(info, config)}#search-${shard}`
    if (!force && (sent.get(key) ?? 0) > now - RE_ENQUEUE_MS) continue
    sent.set(key, now)
    messages.push({
      body: { dataset: info.dataset, sha: info.revision, config, start: 0, end: 0, search: shard },
    })
  }
  for (let i = 0; i < messages.length; i += 100) await ctx.env.SLICES.sendBatch(messages.slice(i, i + 100))
  return messages.length
}

/** Re-send whatever the index of a config still lacks; returns the progress and how many jobs were sent. */
export async function searchRepair(
  ctx: DataContext,
  config: string,
  force = false,
): Promise<{ progress: SearchProgress; sent: number }> {
  const info = await ctx.revision()
  const progress = await searchProgress(ctx, config)
  if (progress.complete) return { progress, sent: 0 }
  if (progress.missing.length > 0) {
    return { progress, sent: await enqueueSlices(ctx, info, config, progress.missing, force) }
  }
  if (!progress.manifest) return { progress, sent: await sendMerges(ctx, info, config, [-1], force) }
  return { progress, sent: await sendMerges(ctx, info, config, progress.missingShards, force) }
}

/** After a slice: when it was the last partial missing, start the manifest job. */
export async function searchAfterSlice(ctx: DataContext, config: string): Promise<void> {
  const progress = await searchProgress(ctx, config)
  if (progress.missing.length === 0 && !progress.manifest) {
    await sendMerges(ctx, await ctx.revision(), config, [-1])
  }
}

/** An input of a merge job is gone (deleted with its revision, or never written): the job has nothing to do. */
class MergeInputMissing extends Error {
  override name = 'MergeInputMissing'
}

/**
 * One search job of the Queue: the manifest (`shard` -1) or the merge of one shard. A job whose inputs are
 * missing ends without error (returns false): whoever looks at the index next sends what it lacks, in order.
 */
export async function searchJob(ctx: DataContext, config: string, shard: number): Promise<boolean> {
  try {
    if (shard < 0) await mergeManifest(ctx, config)
    else await mergeShard(ctx, config, shard)
    return true
  } catch (err) {
    if (err instanceof MergeInputMissing) return false
    throw err
  }
}

async function mergeManifest(ctx: DataContext, config: string): Promise<void> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const k = keys(base)
  if (!(await ctx.storage.exists(k.manifest))) {
    const { slices } = await configSlices(ctx, config)
    const { manifest, layout } = await ctx.gate.run(
      Math.min(MANIFEST_JOB_BYTES, ctx.gate.capacity),
      `the search manifest of ${config}`,
      async () => {
        const parts = []
        const layouts: PartialLayout[] = []
        for (const range of slices) {
          const key = k.partial(range)
          // The head (a few hundred bytes) locates the docs section; a partial smaller than that is read whole.
          // One read usually holds the head and the docs section; a bigger docs section takes a second read.
          const head = await readRange(ctx, key, 0, FIRST_READ_BYTES).catch(() => readAll(ctx, key))
          if (!head) throw new MergeInputMissing(`search partial ${key} is missing`)
          const layout = partialLayout(head)
          const docs =
            layout.docs[1] <= head.length
              ? head.subarray(layout.docs[0], layout.docs[1])
              : await readRange(ctx, key, layout.docs[0], layout.docs[1] - layout.docs[0])
          if (!docs) throw new MergeInputMissing(`search partial ${key} is missing`)
          parts.push({ start: range.start, end: range.end, docs: partialDocsDecode(docs) })
          layouts.push(layout)
        }
        return { manifest: searchManifestBuild(parts, SEARCH_SHARDS), layout: layouts.map((l) => l.sections) }
      },
    )
    await ctx.storage.putStrict(k.layout, JSON.stringify(layout))
    await ctx.storage.putStrict(k.manifest, bufferOf(manifest))
  }
  await sendMerges(
    ctx,
    info,
    config,
    Array.from({ length: SEARCH_SHARDS }, (_, i) => i),
  )
}

async function mergeShard(ctx: DataContext, config: string, shard: number): Promise<void> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const k = keys(base)
  if (await ctx.storage.exists(k.dict(shard))) return
  // A merge reserves the whole budget: it runs alone, never beside another decode. Its heap is not proportional
  // to its input (a frequent term's postings are decoded whole), and two merges beside an export page ran a
  // full-scale isolate out of memory under the bench's heap cap. It always runs (refusing it would leave the
  // index incomplete forever); the Queue job waits for its turn like any request. The manifest (~7 MB decoded at
  // full scale) is read and decoded inside the gate too, once per isolate (the query memo): merge jobs of
  // concurrent Queue batches each decoding their own copy while waiting for the gate ran the heap out.
  const out = await ctx.gate.run(
    ctx.gate.capacity,
    `shard ${shard} of the search index of ${config}`,
    async () => {
      const manifest = await manifests.get(
        base,
        async () => {
          const bytes = await ctx.storage.bytesStrict(k.manifest)
          if (!bytes) throw new MergeInputMissing(`the search manifest of ${config} is missing`)
          return searchManifestDecode(new Uint8Array(bytes))
        },
        ctx,
      )
      const layoutBytes = await ctx.storage.bytesStrict(k.layout)
      if (!layoutBytes) throw new MergeInputMissing(`the search manifest of ${config} is missing`)
      const layout = JSON.parse(fromUtf8(new Uint8Array(layoutBytes))) as [number, number][][]
      const sections: Uint8Array[] = []
      for (const [i, slice] of manifest.slices.entries()) {
        const section = layout[i]?.[shard]
        if (!section)
          throw new MergeInputMissing(`the search layout of ${config} lacks slice ${i} shard ${shard}`)
        const [a, b] = section
        const bytes = await readRange(ctx, k.partial(slice), a, b - a)
        if (!bytes) throw new MergeInputMissing(`search partial ${k.partial(slice)} is missing`)
        sections.push(bytes)
      }
      return searchShardMerge(manifest, shard, sections)
    },
  )
  await ctx.storage.putStrict(k.postings(shard), bufferOf(out.postings))
  await ctx.storage.putStrict(k.dict(shard), bufferOf(out.dict))
}

/** 503 `index-pending` unless the index of every config is complete (and send what is missing). */
export async function searchReady(ctx: DataContext, configs: readonly string[]): Promise<void> {
  const pending: string[] = []
  for (const config of configs) {
    const { progress: p } = await searchRepair(ctx, config)
    if (p.complete) continue
    pending.push(
      `${config}: ${p.slicesDone}/${p.slicesTotal} slices indexed, ` +
        `${p.manifest ? 'manifest done' : 'manifest pending'}, ${p.shardsDone}/${p.shardsTotal} shards merged`,
    )
  }
  if (pending.length > 0) {
    throw new HttpProblem(
      503,
      'index-pending',
      `the search index is being built (${pending.join('; ')}); retry in ${SEARCH_RETRY_AFTER} s`,
      { retryAfter: SEARCH_RETRY_AFTER },
    )
  }
}

/** A complete config's index, read from R2 (manifest and dictionaries kept per isolate). */
export async function searchSource(ctx: DataContext, config: string): Promise<SearchSource> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const k = keys(base)
  const manifest = await manifests.get(
    base,
    async () => searchManifestDecode(await readAll(ctx, k.manifest)),
    ctx,
  )
  return {
    manifest,
    dict: (shard) =>
      dicts.get(`${base}#${shard}`, async () => searchDictDecode(await readAll(ctx, k.dict(shard))), ctx),
    read: async (shard, from, to) => {
      const bytes = await readRange(ctx, k.postings(shard), from, to - from)
      if (!bytes || bytes.length !== to - from)
        throw new StorageError(`search postings ${k.postings(shard)} are short`)
      return bytes
    },
  }
}

/** The text of message `message` (an ordinal of the manifest) of a config: one byte-range read. */
export async function searchMessageText(
  ctx: DataContext,
  config: string,
  manifest: SearchManifest,
  message: number,
): Promise<string> {
  const info = await ctx.revision()
  const base = sliceBase(info, config)
  const k = keys(base)
  const sys = manifest.sysOf[message] as number
  if (sys >= 0) {
    const key = manifest.sysKeys[sys] as string
    return systemTexts.get(`${base}#${key}`, async () => fromUtf8(await readAll(ctx, k.system(key))), ctx)
  }
  const row = manifest.rowOf[message] as number
  const slice = manifest.slices[manifest.rowSlice[row] as number] as RowRange
  const offset = manifest.textOffset[message] as number
  const length = manifest.textBytes[message] as number
  const bytes = await readRange(ctx, k.text(slice), offset, length)
  if (!bytes || bytes.length !== length) throw new StorageError(`search text ${k.text(slice)} is short`)
  return fromUtf8(bytes)
}

/** Forget the isolate's search memos (tests). */
export function clearSearchMemos(): void {
  sent.clear()
  complete.clear()
  manifests.clear()
  dicts.clear()
  systemTexts.clear()
}
