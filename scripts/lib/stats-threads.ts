/**
 * The stats scan on several cores: a file's rows are cut into ranges (whole row groups when there are enough of
 * them, else even row ranges inside the groups), `worker_threads` take the ranges one at a time from a shared
 * queue, each scans its range page by page into a `Stats` partial, and the partials merge in range order
 * (`mergeStats` is associative and commutative, so the result is byte-identical to one thread's).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { type FileMetaData, parquetRowGroups, type RowRange } from '../../shared/parquet.ts'
import { mergeStats, statsFromJson } from '../../shared/stats.ts'
import type { RowContext } from '../../shared/trace.ts'
import type { Stats } from '../../shared/types.ts'
import type { LocalParquet } from './local-parquet.ts'
import { statsOfRange } from './stats-range.ts'

/** Decoded bytes worth a thread of their own (a thread's start-up, module loading included, is ~0.2 s of CPU). */
const BYTES_PER_THREAD = 32 * 2 ** 20

/**
 * Threads when `--threads` is not given: every core the process may use, but no more than the file's decoded
 * size gives work for (`BYTES_PER_THREAD` each) when its metadata is known.
 */
export function defaultThreads(metadata?: FileMetaData): number {
  const cores = availableParallelism()
  if (!metadata) return cores
  const bytes = parquetRowGroups(metadata).reduce((n, g) => n + g.uncompressedBytes, 0)
  return Math.max(1, Math.min(cores, Math.ceil(bytes / BYTES_PER_THREAD)))
}

/**
 * A worker thread's young generation limit, in MB (`resourceLimits.maxYoungGenerationSizeMb`). Without it a worker
 * gets the main thread's limit (V8's `new_space` size, Node 24 here: the main thread's reaches 128 MB under the scan,
 * and an uncapped worker's reaches 128 MB in a string-allocating loop where a capped one stops at 64 MB). Measured
 * on the scan bench's 12,000-row file with 2 threads: 4.5-4.7 s with 64, against 4.8-5.3 s without. Every page a
 * heap grows into is a first touch, and those cost ~15 µs each on the bench machine (the scan bench's probe), which
 * is the likely reason the smaller one was faster here.
 */
const YOUNG_MB = 64

/** Ranges per thread when a file has few row groups (small enough to balance, big enough to start cheaply). */
const RANGES_PER_THREAD = 2

/**
 * The ranges a scan on `threads` threads hands out: the row groups themselves when there are at least
 * `RANGES_PER_THREAD` per thread, else every group cut into equal row ranges so each thread gets about that
 * many. Ranges never cross a row group (a page scan starts at a group's pages).
 */
export function planThreadRanges(metadata: FileMetaData, threads: number): RowRange[] {
  const groups = parquetRowGroups(metadata).filter((g) => g.rows > 0)
  if (groups.length >= threads * RANGES_PER_THREAD) {
    return groups.map((g) => ({ start: g.start, end: g.start + g.rows }))
  }
  const totalRows = groups.reduce((n, g) => n + g.rows, 0)
  const wanted = threads * RANGES_PER_THREAD
  const ranges: RowRange[] = []
  for (const g of groups) {
    const parts = Math.max(1, Math.min(g.rows, Math.round((wanted * g.rows) / Math.max(1, totalRows))))
    for (let i = 0; i < parts; i++) {
      const start = g.start + Math.floor((g.rows * i) / parts)
      const end = g.start + Math.floor((g.rows * (i + 1)) / parts)
      if (end > start) ranges.push({ start, end })
    }
  }
  return ranges
}

/** What a stats thread is asked to do (its `workerData`). */
export interface StatsThreadData {
  path: string
  context: RowContext
  rowsTotal: number
  budgetBytes?: number
}

/** Messages between the scan and its threads. */
export type StatsThreadMessage =
  | { kind: 'ready' }
  | { kind: 'range'; index: number; range: RowRange }
  | { kind: 'done'; index: number; statsJson: string }
  | { kind: 'progress'; rows: number }
  | { kind: 'failed'; error: string }

/**
 * Scan `ranges` of the opened file `source` on `threads` threads, this one and `threads - 1` worker threads, and
 * merge the partials (in range order). The ranges go out one at a time from one queue: to this thread at once,
 * to each worker thread when it is ready (its start-up takes a few hundred ms) and whenever it is done with one.
 * `onRows` is called with the number of rows each progress report adds.
 */
export async function statsOnThreads(
  source: LocalParquet,
  data: StatsThreadData,
  ranges: RowRange[],
  threads: number,
  onRows: (rows: number) => void,
): Promise<Stats> {
  const partials: (Stats | undefined)[] = new Array(ranges.length)
  let next = 0
  const workers: Worker[] = []
  /** Threads stopped because the queue is empty (their exit is expected). */
  const finished = new Set<Worker>()
  const entry = new URL('./stats-thread.ts', import.meta.url)
  try {
    const helpers = new Promise<void>((resolve, reject) => {
      let running = Math.min(threads - 1, ranges.length - 1)
      if (running <= 0) return resolve()
      const handOut = (worker: Worker) => {
        const index = next++
        const range = ranges[index]
        if (range === undefined) {
          running--
          finished.add(worker)
          void worker.terminate()
          if (running === 0) resolve()
          return
        }
        worker.postMessage({ kind: 'range', index, range } satisfies StatsThreadMessage)
      }
      for (let t = 0; t < running; t++) {
        const worker = new Worker(entry, {
          workerData: data,
          resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB },
        })
        workers.push(worker)
        worker.on('message', (m: StatsThreadMessage) => {
          if (m.kind === 'progress') onRows(m.rows)
          else if (m.kind === 'failed') reject(new Error(m.error))
          else if (m.kind === 'ready') handOut(worker)
          else if (m.kind === 'done') {
            const stats = statsFromJson(m.statsJson)
            if (!stats) return reject(new Error(`thread returned unreadable stats for range ${m.index}`))
            partials[m.index] = stats
            handOut(worker)
          }
        })
        worker.on('error', reject)
        worker.on('exit', (code) => {
          if (!finished.has(worker)) reject(new Error(`stats thread stopped early (exit code ${code})`))
        })
      }
    })
    const here = (async () => {
      for (let index = next++; index < ranges.length; index = next++) {
        partials[index] = await statsOfRange(source, data.context, data.rowsTotal, {
          budgetBytes: data.budgetBytes,
          range: ranges[index],
          onRows,
          yieldToEvents: true,
        })
      }
    })()
    await Promise.all([helpers, here])
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
  let merged: Stats | undefined
  for (const [i, partial] of partials.entries()) {
    if (!partial) throw new Error(`range ${i} of ${ranges.length} was never scanned`)
    merged = merged ? mergeStats(merged, partial) : partial
  }
  if (!merged) throw new Error('no rows to scan')
  return merged
}
