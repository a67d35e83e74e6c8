/**
 * One stats thread (a `worker_threads` entry of scripts/lib/stats-threads.ts): opens the file once, then scans each
 * row range it is handed page by page, batch by batch into a finalized `Stats` partial and posts it back as JSON.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { emptyStats, finalizeStats, statsAddRow } from '../../shared/stats.ts'
import { parseRow } from '../../shared/trace.ts'
import { openLocalParquet, streamRowBatches } from './local-parquet.ts'
import type { StatsThreadData, StatsThreadMessage } from './stats-threads.ts'

const port = parentPort
if (!port) throw new Error('stats-thread.ts runs as a worker thread')
const data = workerData as StatsThreadData
const opened = openLocalParquet(data.path)

port.on('message', async (m: StatsThreadMessage) => {
  if (m.kind !== 'range') return
  try {
    const source = await opened
    const stats = emptyStats({ ...data.context, rowsTotal: data.rowsTotal })
    for await (const batch of streamRowBatches(source, { budgetBytes: data.budgetBytes, range: m.range })) {
      for (const row of batch.rows) statsAddRow(stats, parseRow(row, data.context, { lazyContent: true }))
      port.postMessage({ kind: 'progress', rows: batch.rows.length } satisfies StatsThreadMessage)
    }
    const statsJson = JSON.stringify(finalizeStats(stats))
    port.postMessage({ kind: 'done', index: m.index, statsJson } satisfies StatsThreadMessage)
  } catch (err) {
    port.postMessage({ kind: 'failed', error: (err as Error).message } satisfies StatsThreadMessage)
  }
})
