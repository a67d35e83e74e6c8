/**
 * `wrangler dev` as a child process for `npm start`, the benchmarks and the browser tests: started in its own
 * process group (stopping it ends workerd too), ready once `/api/datasets` answers, with its output kept for
 * failure messages (or passed through to the terminal).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => ok(port))
    })
  })
}

/** Options of `startWranglerDev`. */
export interface WranglerDevOptions {
  /** `[vars]` overrides (`--var NAME:VALUE`), e.g. `HF_ENDPOINT`. */
  vars: Record<string, string>
  /** Local R2 / Queue state directory (`--persist-to`). */
  persistTo: string
  /** Port (default: a free one). */
  port?: number
  /** Show wrangler's output in this terminal instead of keeping it (npm start). */
  inheritOutput?: boolean
  /** How long to wait for the first answer. */
  timeoutMs?: number
  /** Receives `stop` as soon as the process exists (so Ctrl-C during start-up can end it). */
  onSpawn?: (stop: () => Promise<void>) => void
  /**
   * Devtools inspector port (`--inspector-port`): `ws://127.0.0.1:PORT/ws` reaches the Worker isolate (heap usage,
   * GC). Default: wrangler's own choice.
   */
  inspectorPort?: number
  /** `--log-level` (default `warn`); `info` adds one line per request, `log` the Worker's console.log. */
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error' | 'none'
  /**
   * Directory holding the wrangler.toml and sources to serve (default: the repository). wrangler dev reloads the
   * Worker whenever a source file changes; a bench serves a copy so that edits meanwhile cannot restart it.
   */
  cwd?: string
}

/** A running `wrangler dev`. */
export interface WranglerDev {
  url: string
  /** Process id of wrangler, also the id of its process group (workerd runs in it). */
  pid: number
  /** Output so far (empty with `inheritOutput`). */
  log(): string
  /** Stop it (SIGTERM to the group, SIGKILL after 5 s). */
  stop(): Promise<void>
}

/** Start `wrangler dev` on 127.0.0.1; resolves once `/api/datasets` answers (any status below 500). */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const args = [
    join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
  ]
  for (const [name, value] of Object.entries(options.vars)) args.push('--var', `${name}:${value}`)
  args.push(
    '--persist-to',
    options.persistTo,
    '--show-interactive-dev-session=false',
    '--log-level',
    options.logLevel ?? 'warn',
  )
  if (options.inspectorPort !== undefined) args.push('--inspector-port', String(options.inspectorPort))
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: options.inheritOutput ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  const stop = async () => {
    if (exited || child.pid === undefined) return
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      return
    }
    for (let i = 0; i < 50 && !exited; i++) await delay(100)
    if (!exited) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  options.onSpawn?.(stop)
  const timeoutMs = options.timeoutMs ?? 120_000
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited before answering:\n${output}`)
    try {
      const res = await fetch(`${url}/api/datasets`, { signal: AbortSignal.timeout(5000) })
      await res.arrayBuffer()
      if (res.status < 500) return { url, pid: child.pid ?? 0, log: () => output, stop }
    } catch {
      // not listening yet
    }
    await delay(300)
  }
  await stop()
  throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${output}`)
}
