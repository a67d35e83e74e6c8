/**
 * The Worker under `wrangler dev` (workerd, local R2 + Queue) against the Hub stand-in:
 * - cold `/api/trace/:id`: upstream requests and bytes vs the compressed bytes of the pages holding the row;
 * - warm `/api/trace/:id` requests/s and p50/p99 latency (autocannon), next to a static asset served by the
 *   same Worker in the same run (the ratio is the cost of our code over the runtime's floor);
 * - time and peak memory (workerd RSS) to complete `/api/stats` through the Queue over the whole dataset.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { startFakeHub } from '../scripts/dev/fake-hub.ts'
import { startWranglerDev } from '../scripts/dev/wrangler-dev.ts'
import { parquetRowPageBytes } from '../shared/parquet.ts'

const ROOT = join(import.meta.dirname, '..')

/** RSS (bytes) of every workerd process, summed. */
function workerdRss(): number {
  let total = 0
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmd.includes('workerd')) continue
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (m) total += Number(m[1]) * 1024
    } catch {
      // process ended
    }
  }
  return total
}

/** Compressed bytes of the pages holding `row` (what an ideal reader must fetch), from the offset index. */
async function rowPageBytes(path: string, row: number): Promise<number> {
  const file = await asyncBufferFromFile(path)
  return (await parquetRowPageBytes(file, await parquetMetadataAsync(file), row)).total
}

/** Results of `benchWorker`. */
export type WorkerBench = Record<string, number>

/** Run the Worker benchmarks over a dataset directory. */
export async function benchWorker(
  dir: string,
  options: { seconds?: number; stats?: boolean } = {},
): Promise<WorkerBench> {
  const seconds = options.seconds ?? 8
  const hub = await startFakeHub({ dir })
  const persist = mkdtempSync(join(tmpdir(), 'hte-bench-'))
  const wrangler = await startWranglerDev({ vars: { HF_ENDPOINT: hub.url }, persistTo: persist })
  const base = wrangler.url
  const out: WorkerBench = {}
  try {
    const datasets = (await (await fetch(`${base}/api/datasets`)).json()) as {
      configs: { name: string; path: string; rows: number }[]
    }
    const kimi = datasets.configs[0] as { name: string; path: string; rows: number }
    // Build the id index (id column only), then measure a cold trace in the middle of the file.
    await fetch(`${base}/api/trace/00000000-0000-0000-0000-000000000000`)
    const row = Math.floor(kimi.rows / 2)
    const local = await asyncBufferFromFile(join(dir, kimi.path))
    const [idRow] = await parquetReadObjects({ file: local, columns: ['id'], rowStart: row, rowEnd: row + 1 })
    const id = String(idRow?.id)
    hub.resetLog()
    let t = performance.now()
    const cold = await fetch(`${base}/api/trace/${id}`)
    await cold.arrayBuffer()
    out.coldTraceMs = Math.round(performance.now() - t)
    const log = hub.requests.filter((r) => r.kind === 'cdn' || r.kind === 'resolve')
    out.coldUpstreamRequests = log.length
    out.coldUpstreamBytes = log.reduce((n, r) => n + r.bytes, 0)
    out.rowPageBytes = await rowPageBytes(join(dir, kimi.path), row)
    out.coldBytesRatio = Math.round((out.coldUpstreamBytes / out.rowPageBytes) * 100) / 100
    hub.resetLog()
    t = performance.now()
    await (await fetch(`${base}/api/trace/${id}`)).arrayBuffer()
    out.warmTraceMs = Math.round((performance.now() - t) * 10) / 10
    out.warmUpstreamRequests = hub.requests.length

    const trace = await autocannon({ url: `${base}/api/trace/${id}`, connections: 8, duration: seconds })
    out.warmTraceRps = Math.round(trace.requests.average)
    out.warmTraceP50Ms = trace.latency.p50
    out.warmTraceP99Ms = trace.latency.p99
    const assetPath = existsSync(join(ROOT, 'dist/site/favicon.svg')) ? '/favicon.svg' : '/'
    const asset = await autocannon({ url: `${base}${assetPath}`, connections: 8, duration: seconds })
    out.staticAssetRps = Math.round(asset.requests.average)
    out.staticAssetP50Ms = asset.latency.p50
    out.staticAssetP99Ms = asset.latency.p99
    out.traceVsAssetRpsRatio = Math.round((out.warmTraceRps / out.staticAssetRps) * 100) / 100

    if (options.stats !== false) {
      let peak = 0
      t = performance.now()
      const sampler = setInterval(() => {
        peak = Math.max(peak, workerdRss())
      }, 200)
      for (;;) {
        const body = (await (await fetch(`${base}/api/stats`)).json()) as { complete?: boolean }
        if (body.complete) break
        if (performance.now() - t > 30 * 60_000) throw new Error('stats did not complete in 30 minutes')
        await new Promise((r) => setTimeout(r, 1000))
      }
      clearInterval(sampler)
      out.statsCompleteSeconds = Math.round((performance.now() - t) / 100) / 10
      out.statsPeakWorkerdRssMB = Math.round(peak / 2 ** 20)
    }
  } finally {
    await wrangler.stop()
    await hub.close()
    rmSync(persist, { recursive: true, force: true })
  }
  return out
}
