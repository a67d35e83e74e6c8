/**
 * Admission control for the isolate's memory: every decode of parquet rows (a cold trace, a stats slice, an
 * export page) first reserves its estimated cost here, and waits while the reservations of other requests
 * would push the isolate past its budget. A deployed Worker has 128 MB for everything (JS heap, ArrayBuffers,
 * embedder memory); concurrent cold requests must queue, not crash the isolate.
 *
 * Waiting never awaits another request's promise (see shared-work.ts): a waiter polls the gate from its own
 * timers. A reservation never released (its request was cancelled mid-decode) expires after TICKET_TTL_MS.
 */
import { HttpProblem } from '../problem.ts'
import { pollUntil } from './shared-work.ts'

/** A reservation's longest life: past it, its request is taken as gone and its bytes are returned. */
const TICKET_TTL_MS = 60_000
/** Longest wait for room before answering 503 (the client retries). */
const MAX_WAIT_MS = 25_000

interface Ticket {
  bytes: number
  granted: boolean
  expires: number
}

/** Counters for /api/health and the bench. */
export interface GateStats {
  capacity: number
  reserved: number
  waiting: number
  peakReserved: number
  refused: number
  timedOut: number
}

export class MemoryGate {
  readonly capacity: number
  private readonly tickets: Ticket[] = []
  private peak = 0
  private refused = 0
  private timedOut = 0

  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** Bytes reserved by live tickets (expired ones are dropped). */
  private reserved(): number {
    const now = Date.now()
    let total = 0
    for (let i = this.tickets.length - 1; i >= 0; i--) {
      const t = this.tickets[i] as Ticket
      if (t.granted && t.expires < now) {
        this.tickets.splice(i, 1)
        continue
      }
      if (t.granted) total += t.bytes
    }
    return total
  }

  /** True when `ticket` may run now: first in line among waiters and within capacity (or alone). */
  private tryGrant(ticket: Ticket): boolean {
    const used = this.reserved()
    const firstWaiting = this.tickets.find((t) => !t.granted)
    if (firstWaiting !== ticket) return false
    if (used > 0 && used + ticket.bytes > this.capacity) return false
    ticket.granted = true
    ticket.expires = Date.now() + TICKET_TTL_MS
    this.peak = Math.max(this.peak, used + ticket.bytes)
    return true
  }

  /**
   * Run `work` once `bytes` fit the budget. A cost above the whole budget is refused with a problem naming
   * `what`; waiting longer than MAX_WAIT_MS answers 503 with Retry-After.
   */
  async run<T>(bytes: number, what: string, work: () => Promise<T>): Promise<T> {
    const cost = Math.max(1, Math.ceil(bytes))
    if (cost > this.capacity) {
      this.refused++
      throw new HttpProblem(
        507,
        'too-large-for-worker',
        `${what} needs about ${mb(cost)} MB of memory to decode, more than this Worker's ${mb(this.capacity)} MB ` +
          'budget (MEMORY_BUDGET_MB); read it locally with `npm run export` or the parquet file itself',
      )
    }
    const ticket: Ticket = { bytes: cost, granted: false, expires: Number.POSITIVE_INFINITY }
    this.tickets.push(ticket)
    if (!this.tryGrant(ticket)) {
      const ok = await pollUntil(() => this.tryGrant(ticket), Date.now() + MAX_WAIT_MS)
      if (!ok) {
        this.drop(ticket)
        this.timedOut++
        throw new HttpProblem(503, 'busy', `the Worker is busy decoding other rows; retry ${what} shortly`, {
          retryAfter: 2,
        })
      }
    }
    try {
      return await work()
    } finally {
      this.drop(ticket)
    }
  }

  private drop(ticket: Ticket): void {
    const i = this.tickets.indexOf(ticket)
    if (i >= 0) this.tickets.splice(i, 1)
  }

  /** Current figures. */
  stats(): GateStats {
    return {
      capacity: this.capacity,
      reserved: this.reserved(),
      waiting: this.tickets.filter((t) => !t.granted).length,
      peakReserved: this.peak,
      refused: this.refused,
      timedOut: this.timedOut,
    }
  }
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1)
}

const gates = new Map<number, MemoryGate>()

/** The isolate's gate for a budget (one per distinct MEMORY_BUDGET_MB value: one in practice). */
export function memoryGate(capacity: number): MemoryGate {
  let gate = gates.get(capacity)
  if (!gate) {
    gate = new MemoryGate(capacity)
    gates.set(capacity, gate)
  }
  return gate
}
