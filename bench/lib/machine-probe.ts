/**
 * What the machine itself allows, measured in the scan bench's run so its lines can be read against them:
 * - how much work two busy threads get done: two copies of one command started together, each timed from spawn to
 *   exit, against the same command alone (two cores that are really two give each copy the alone time);
 * - what the first write to fresh memory costs: a child process writes one byte into every 4 KiB page of a new
 *   256 MiB buffer, so each write is a page fault (V8's heaps, page buffers and strings all start that way).
 */
import { spawn, spawnSync } from 'node:child_process'

/** Each copy's wall seconds and stdout, in start order; `error` when a copy failed. */
export interface ConcurrentRun {
  seconds: number[]
  stdout: string[]
  error?: string
}

/** Start `copies` copies of `command args` at the same moment and time each one from spawn to exit. */
export function runConcurrently(
  command: string,
  args: string[],
  copies: number,
  cwd: string,
): Promise<ConcurrentRun> {
  const one = () =>
    new Promise<{ seconds: number; stdout: string; error?: string }>((resolve) => {
      const t = performance.now()
      const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
      const out: Buffer[] = []
      let err = ''
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => {
        err = (err + b.toString('utf8')).slice(-2000)
      })
      child.on('error', (e) => resolve({ seconds: 0, stdout: '', error: e.message }))
      child.on('close', (code, signal) => {
        const seconds = (performance.now() - t) / 1000
        const stdout = Buffer.concat(out).toString('utf8')
        const last = err.trim().split('\n').pop() ?? ''
        resolve(
          code === 0 ? { seconds, stdout } : { seconds, stdout, error: `exit ${code ?? signal}: ${last}` },
        )
      })
    })
  return Promise.all(Array.from({ length: copies }, one)).then((runs) => {
    const failed = runs.find((r) => r.error)
    return {
      seconds: runs.map((r) => r.seconds),
      stdout: runs.map((r) => r.stdout),
      ...(failed ? { error: failed.error } : {}),
    }
  })
}

/** Bytes the first-touch probe writes into (one byte per page). */
const TOUCH_BYTES = 256 * 2 ** 20
const PAGE = 4096
/** Pages the first-touch probe writes into. */
export const FIRST_TOUCH_PAGES = TOUCH_BYTES / PAGE

/**
 * Microseconds per first write to a fresh 4 KiB page, in a child `node` (`execPath`): the median of 3 buffers,
 * each new. Null when the child fails.
 */
export function firstTouchMicroseconds(execPath: string): number | null {
  const script = `
    const times = []
    for (let r = 0; r < 3; r++) {
      const t = performance.now()
      const b = new Uint8Array(${TOUCH_BYTES})
      for (let i = 0; i < b.length; i += ${PAGE}) b[i] = 1
      times.push(((performance.now() - t) * 1000) / ${FIRST_TOUCH_PAGES})
    }
    times.sort((a, b) => a - b)
    process.stdout.write(String(times[1]))
  `
  const r = spawnSync(execPath, ['-e', script], { encoding: 'utf8' })
  const us = Number(r.stdout)
  return r.status === 0 && Number.isFinite(us) ? us : null
}
