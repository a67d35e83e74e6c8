/**
 * The Worker under `wrangler dev` (workerd, local R2 + Queue) against the Hub stand-in:
 * - cold `/api/trace/:id`: upstream requests and bytes vs the compressed bytes of the pages holding the row;
 * - warm `/api/trace/:id` requests/s and p50/p99 latency (autocannon), next to a static asset served by the
 *   same Worker in the same run (the ratio is the cost of our code over the runtime's floor);
 * - time and peak memory (workerd RSS) to complete `/api/stats` through the Queue over the whole dataset.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, readOffsetIndex } from 'hyparquet'
import { startFakeHub } from '../scripts/fake-hub.ts'

const ROOT = join(import.meta.dirname, '..')

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

async function waitFor(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error('wrangler dev exited')
    try {
      if ((await fetch(url)).status < 500) return
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`${url} did not answer`)
}

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
  const metadata = await parquetMetadataAsync(file)
  let start = 0
  let total = 0
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows)
    if (row >= start && row < start + rows) {
      for (const chunk of group.columns) {
        if (!chunk.offset_index_length) {
          total += Number(chunk.meta_data?.total_compressed_size ?? 0)
          continue
        }
        const offset = Number(chunk.offset_index_offset)
        const buf = await file.slice(offset, offset + chunk.offset_index_length)
        const pages = readOffsetIndex({ view: new DataView(buf), offset: 0 }).page_locations
        const i = pages.findLastIndex((p) => Number(p.first_row_index) <= row - start)
        total += pages[i]?.compressed_page_size ?? 0
      }
    }
    start += rows
  }
  return total
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
  const port = await freePort()
  const persist = mkdtempSync(join(tmpdir(), 'hte-bench-'))
  const wrangler = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--var',
      `HF_ENDPOINT:${hub.url}`,
      '--persist-to',
      persist,
      '--log-level',
      'error',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  )
  const base = `http://127.0.0.1:${port}`
  const out: WorkerBench = {}
  try {
    await waitFor(`${base}/api/openapi.json`, wrangler)
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
    wrangler.kill('SIGINT')
    await hub.close()
    rmSync(persist, { recursive: true, force: true })
  }
  return out
}
