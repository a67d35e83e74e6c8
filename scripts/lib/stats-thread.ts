/**
 * One stats thread (a `worker_threads` entry of scripts/lib/stats-threads.ts): opens the file once, says it is
 * ready, then scans each row range it is handed into a finalized `Stats` partial (scripts/lib/stats-range.ts) and
 * posts it back as JSON.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openLocalParquet } from './local-parquet.ts'
import { statsOfRange } from './stats-range.ts'
import type { StatsThreadData, StatsThreadMessage } from './stats-threads.ts'

const port = parentPort
if (!port) throw new Error('stats-thread.ts runs as a worker thread')
const data = workerData as StatsThreadData
const opened = openLocalParquet(data.path)

port.on('message', async (m: StatsThreadMessage) => {
  if (m.kind !== 'range') return
  try {
    const stats = await statsOfRange(await opened, data.context, data.rowsTotal, {
      budgetBytes: data.budgetBytes,
      range: m.range,
      onRows: (rows) => port.postMessage({ kind: 'progress', rows } satisfies StatsThreadMessage),
    })
    port.postMessage({
      kind: 'done',
      index: m.index,
      statsJson: JSON.stringify(stats),
    } satisfies StatsThreadMessage)
  } catch (err) {
    port.postMessage({ kind: 'failed', error: (err as Error).message } satisfies StatsThreadMessage)
  }
})

opened.then(
  () => port.postMessage({ kind: 'ready' } satisfies StatsThreadMessage),
  (err: Error) => port.postMessage({ kind: 'failed', error: err.message } satisfies StatsThreadMessage),
)
