/**
 * What `wrangler dev`'s output says, for the benches that serve the Worker under it: error-looking lines by
 * shape, the local Queue's batches ("[wrangler:info] QUEUE name acked/total (ms)", printed at `--log-level info`
 * or `log`) and the Worker's own JSON log lines (workers/log.ts, printed at `--log-level log`).
 */
import { stripVTControlCharacters } from 'node:util'

/** Group a message by shape: ids, numbers and hex runs vary. */
const shapeOf = (text: string) =>
  text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/[0-9a-f]{16,}/gi, '<hex>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 240)

/** What wrangler's output says: error-looking lines, Queue batches, and the Worker's own JSON log lines. */
export interface LogDigest {
  /** Error-looking lines outside the Worker's JSON log, by shape, most frequent first. */
  lines: number
  top: [string, number][]
  /** "[wrangler:info] QUEUE name acked/total (ms)". */
  queue: { batches: number; messages: number; acked: number }
  /** The Worker's `{"event": …}` lines (workers/log.ts), when it writes them. */
  worker: {
    events: Record<string, number>
    statuses: Record<string, number>
    slicesOk: number
    slicesFailed: number
    sliceErrors: [string, number][]
    otherErrors: [string, number][]
  }
}

export function logDigest(log: string): LogDigest {
  const counts = new Map<string, number>()
  let lines = 0
  const queue = { batches: 0, messages: 0, acked: 0 }
  const events: Record<string, number> = {}
  const statuses: Record<string, number> = {}
  let slicesOk = 0
  let slicesFailed = 0
  const sliceErrors = new Map<string, number>()
  const otherErrors = new Map<string, number>()
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
  for (const raw of log.split('\n')) {
    const line = stripVTControlCharacters(raw).trim()
    const brace = line.indexOf('{"')
    if (brace >= 0) {
      let entry: Record<string, unknown> | null = null
      try {
        entry = JSON.parse(line.slice(brace)) as Record<string, unknown>
      } catch {
        entry = null
      }
      if (entry && typeof entry.event === 'string') {
        events[entry.event] = (events[entry.event] ?? 0) + 1
        if (entry.event === 'request') {
          const st = String(entry.status)
          statuses[st] = (statuses[st] ?? 0) + 1
        } else if (entry.event === 'slice') {
          if (entry.ok === true) slicesOk++
          else {
            slicesFailed++
            bump(sliceErrors, shapeOf(String(entry.error ?? '?')))
          }
        }
        if (entry.event !== 'slice' && typeof entry.error === 'string' && entry.error)
          bump(otherErrors, `${entry.event}: ${shapeOf(entry.error)}`)
        continue
      }
    }
    // "[wrangler:info] QUEUE hermes-stats-slices 1/2 (5510ms)": messages acknowledged / delivered in one batch.
    const q = /\bQUEUE \S+ (\d+)\/(\d+)/.exec(line)
    if (q) {
      queue.batches++
      queue.acked += Number(q[1])
      queue.messages += Number(q[2])
      if (q[1] === q[2]) continue
    }
    if (!/error|exception|canceled|cancelled|hung|dropped|uncaught|exceeded|\b5\d\d\b/i.test(line)) continue
    if (/Request\.cf|workers\.cloudflare\.com|GetAddrInfoReqWrap|Logs were written/i.test(line)) continue
    if (/^\[wrangler:info\] GET .* 200 OK/.test(line)) continue
    lines++
    bump(counts, shapeOf(line))
  }
  const top = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)
  return {
    lines,
    top: top(counts),
    queue,
    worker: {
      events,
      statuses,
      slicesOk,
      slicesFailed,
      sliceErrors: top(sliceErrors),
      otherErrors: top(otherErrors),
    },
  }
}
