/**
 * `npm run bench -- --only scan`: the stats scan against the tutorial's CPython loop and DuckDB, each command timed
 * whole as a user runs it, on two inputs:
 *   (a) 12,000 generated kimi rows (seed 7) rewritten by pyarrow in 1,000-row row groups, snappy, no page index
 *       (the layout `datasets` < 4.1 wrote; bench/write_row_groups.py), cached under .cache/bench-scan/ keyed by
 *       the sample generator's version (1,200 rows under --small);
 *   (b) the bench's sample (`.cache/bench-full`, or `.cache/bench-small` under --small) as the generator wrote it.
 *
 * Lines per input (whole commands in 5 round-robin rounds, in-process lines 3 passes; min and median reported):
 *   1. ours: the node command of `npm run stats` (package.json: `node --import ./scripts/lib/compile-cache.mjs
 *      scripts/stats.ts`, without npm itself) with `--file F --config kimi --quiet`, with `--threads 1` and
 *      `--threads <cores>` when the CLI has the flag (else once without it, and the threads lines say n/a);
 *   2. `python3 bench/scan_tutorial.py F`: pyarrow + the tutorial's per-row code (bench/tutorial_seed.py);
 *   3. `python3 bench/scan_duckdb.py F`: one DuckDB query, 2 threads; also the query alone (timed inside);
 *   4./5. in-process (bench/scan-inprocess.ts, its own process): JSON.parse of every row's conversations JSON,
 *      hyparquet decoding the whole file, our reader, full parseRow + stats, lazy parseRow + stats;
 *   6. the machine's ceiling for threads (bench/lib/machine-probe.ts): two copies of the `--threads 1` command
 *      started together, each timed, in the same round-robin; their median against the command alone gives the
 *      work two busy threads get done here, in cores. The header also gives the cost of a first write to a
 *      fresh memory page, which every isolate pays for each page of its heaps.
 * Whole-command lines are wall-clock from spawn to exit (start-up included); python3 is the interpreter itself
 * (`sys.executable`), not a version manager's shim. The repeats run round-robin (ours, CPython, DuckDB, ours, ...)
 * so a change in the machine's load hits every command alike. Next to the wall times, the median CPU seconds
 * (user + system, all threads) of each command: on a machine shared with other work the wall time includes
 * waiting for a core and the CPU time does not. The targets are judged on wall-time medians.
 *
 * Checks: rows, messages, regex tool calls and error rows of ours (the Stats document's `seed` block and the
 * totals it is derived from) against the CPython loop (must be equal: the exit code says so) and DuckDB (rows,
 * messages, calls equal; the error heuristic is SQL's closest, a difference is printed loudly).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join, relative } from 'node:path'
import { median } from './lib/checkouts.ts'
import { FIRST_TOUCH_PAGES, firstTouchMicroseconds, runConcurrently } from './lib/machine-probe.ts'
import { npmScriptNodeArgs } from './lib/npm-script.ts'
import { ensureSample, GENERATOR_VERSION } from './lib/sample-cache.ts'
import type { InProcessPass, InProcessResult } from './scan-inprocess.ts'

const ROOT = join(import.meta.dirname, '..')
/** Round-robin rounds of the whole commands (the host's noise moves single runs by 10-25%). */
const ROUNDS = 5
/** Passes of each in-process line. */
const REPEAT = 3

/** One input file of the scan bench. */
export interface ScanInput {
  label: string
  file: string
}

const say = (line = '') => process.stdout.write(`${line}\n`)

/** The real python3 interpreter (a pyenv-style shim would add a shell's start-up to every timed command). */
function pythonExecutable(): string {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' })
  const exe = r.stdout?.trim()
  return r.status === 0 && exe ? exe : 'python3'
}

/** Input (a): the generated kimi rows rewritten by pyarrow with 1,000-row row groups (made once per generator). */
export function prepareRowGroupInput(small: boolean): ScanInput {
  const rows = small ? 1200 : 12000
  const base = join(ROOT, '.cache/bench-scan', `gen-${GENERATOR_VERSION}-kimi${rows}-seed7`)
  const file = join(base, 'kimi-rg1000-snappy.parquet')
  const label = `(a) ${rows.toLocaleString('en')} kimi rows, pyarrow row_group_size=1000, snappy, no page index`
  if (existsSync(file)) return { label, file }
  mkdirSync(base, { recursive: true })
  const sample = join(base, 'sample')
  ensureSample(sample, ['--rows-kimi', String(rows), '--rows-glm', '10', '--seed', '7'], `${rows} kimi rows`)
  process.stderr.write(`scan: rewriting with pyarrow into ${file}\n`)
  const r = spawnSync(
    pythonExecutable(),
    [join(ROOT, 'bench/write_row_groups.py'), join(sample, 'data/kimi/train.parquet'), file],
    { stdio: ['ignore', process.stderr, 'inherit'] },
  )
  if (r.status !== 0 || !existsSync(file)) {
    throw new Error(`bench/write_row_groups.py failed (exit ${r.status}): python3 with pyarrow is needed`)
  }
  return { label, file }
}

const min = (xs: number[]) => Math.min(...xs)

/**
 * CPU seconds (user + system) of this process's waited-for children so far (`cutime` + `cstime` of
 * /proc/self/stat, clock ticks of 1/100 s); null where /proc is not there.
 */
function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return null
  }
}

/**
 * Run `command` once: wall-clock from spawn to exit, and the CPU seconds it used (all its threads; on a shared
 * machine the wall time includes waiting for a core, the CPU time does not). `error` says how it failed.
 */
function runTimed(
  command: string,
  args: string[],
): { seconds: number; cpuSeconds: number | null; stdout: string; error?: string } {
  const cpu = childCpuSeconds()
  const t = performance.now()
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, cwd: ROOT })
  const seconds = (performance.now() - t) / 1000
  const cpuAfter = childCpuSeconds()
  const cpuSeconds = cpu === null || cpuAfter === null ? null : cpuAfter - cpu
  if (r.status === 0) return { seconds, cpuSeconds, stdout: r.stdout }
  const last = (r.stderr ?? '').trim().split('\n').pop() ?? ''
  return { seconds, cpuSeconds, stdout: r.stdout, error: `exit ${r.status ?? r.signal}: ${last}` }
}

/** The integers the four headline numbers come from (compared exactly). */
const HEADLINE_INTS = ['rows', 'messages', 'toolCalls', 'seedErrorRows'] as const

/** The four headline numbers and the integers they come from. */
interface Headline {
  rows: number
  messages: number
  toolCalls: number
  seedErrorRows: number
  avgTurns: number
  avgToolCalls: number
  pctWithError: number
}

function oursHeadline(stdout: string): Headline {
  const s = JSON.parse(stdout) as {
    rows: number
    seed: { avgTurns: number; avgToolCalls: number; pctWithError: number; toolCalls: Record<string, number> }
    totals: { messages: number; toolCalls: number; seedErrorRows: number }
  }
  const seedCalls = Object.values(s.seed.toolCalls).reduce((a, b) => a + b, 0)
  if (seedCalls !== s.totals.toolCalls) {
    throw new Error(
      `Stats document: seed.toolCalls sums to ${seedCalls}, totals.toolCalls is ${s.totals.toolCalls}`,
    )
  }
  return {
    rows: s.rows,
    messages: s.totals.messages,
    toolCalls: seedCalls,
    seedErrorRows: s.totals.seedErrorRows,
    avgTurns: s.seed.avgTurns,
    avgToolCalls: s.seed.avgToolCalls,
    pctWithError: s.seed.pctWithError,
  }
}

/** Whether the stats CLI (`node <nodeArgs>`) takes `--threads` (its --help names it). */
function statsCliHasThreads(nodeArgs: string[]): boolean {
  const r = spawnSync(process.execPath, [...nodeArgs, '--help'], { encoding: 'utf8' })
  return /--threads\b/.test(`${r.stdout}${r.stderr}`)
}

const fmt = (x: number, digits = 2) => x.toFixed(digits)
const row = (label: string, a: string, b: string, c = '', d = '') =>
  say(`  ${label.padEnd(62)} ${a.padStart(9)} ${b.padStart(9)} ${c.padStart(9)}  ${d}`)

/** A whole command of the table, run ROUNDS times. */
interface Command {
  key: 'ours1' | 'oursAll' | 'cpython' | 'duckdb'
  label: string
  command: string
  args: string[]
}

/** Run the scan bench over `inputs`; prints its tables and returns the numbers and any check failures. */
export async function benchScan(
  inputs: ScanInput[],
): Promise<{ results: Record<string, unknown>; failures: string[] }> {
  const python = pythonExecutable()
  const cores = availableParallelism()
  const statsNodeArgs = npmScriptNodeArgs('stats')
  const threads = statsCliHasThreads(statsNodeArgs)
  const results: Record<string, unknown> = {}
  const failures: string[] = []
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')
  say(`  machine: ${cores} cores, load average at start ${load()} (shared with other work: see the load)`)
  say(`  stats CLI --threads: ${threads ? 'on main' : 'n/a (flag not yet on main)'}`)
  say(
    `  ours: node ${statsNodeArgs
      .map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : a))
      .join(' ')} (npm run stats, without npm)`,
  )
  const touchUs = firstTouchMicroseconds(process.execPath)
  say(
    `  first write to a fresh 4 KiB memory page (256 MiB, in a child node): ${
      touchUs === null
        ? 'n/a (the probe failed)'
        : `${fmt(touchUs, 1)} µs, ${fmt((touchUs * FIRST_TOUCH_PAGES) / 1e3, 0)} ms in all`
    }`,
  )
  const check = spawnSync(python, [join(ROOT, 'bench/scan_tutorial.py'), '--check', ROOT], {
    encoding: 'utf8',
  })
  say(
    `  tutorial transcription check (bench/tutorial_seed.py reproduces the fixture seeds): ${check.stdout.trim()}`,
  )
  if (check.status !== 0)
    failures.push('bench/tutorial_seed.py does not reproduce the fixture seeds of test/fixtures/rows')

  for (const input of inputs) {
    const stats = (extra: string[]) => [
      ...statsNodeArgs,
      ...['--file', input.file, '--config', 'kimi', '--quiet', ...extra],
    ]
    const node = process.execPath
    const commands: Command[] = threads
      ? [
          {
            key: 'ours1',
            label: '1. ours: stats CLI --threads 1',
            command: node,
            args: stats(['--threads', '1']),
          },
          {
            key: 'oursAll',
            label: `1. ours: stats CLI --threads ${cores} (all cores)`,
            command: node,
            args: stats(['--threads', String(cores)]),
          },
        ]
      : [
          {
            key: 'ours1',
            label: '1. ours: stats CLI (one thread: no --threads on main)',
            command: node,
            args: stats([]),
          },
        ]
    commands.push(
      {
        key: 'cpython',
        label: '2. CPython tutorial loop: python3 bench/scan_tutorial.py',
        command: python,
        args: [join(ROOT, 'bench/scan_tutorial.py'), input.file],
      },
      {
        key: 'duckdb',
        label: '3. DuckDB, 2 threads: python3 bench/scan_duckdb.py',
        command: python,
        args: [join(ROOT, 'bench/scan_duckdb.py'), input.file],
      },
    )
    // Line 6: the one-thread command twice at once, after each round of the others.
    const solo = commands.find((c) => c.key === 'ours1')
    if (!solo) throw new Error('the scan bench lost its one-thread command')
    const pairLabel = `6. two "--threads 1" commands started together (each)`
    const pairSeconds: number[] = []
    const pairOutputs: string[] = []
    let pairError: string | undefined
    // Round-robin repeats; a command that fails once is not run again (its line says why).
    const seconds: Partial<Record<Command['key'], number[]>> = {}
    const cpuSeconds: Partial<Record<Command['key'], number[]>> = {}
    const outputs: Partial<Record<Command['key'], string[]>> = {}
    const errors: Partial<Record<Command['key'], string>> = {}
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of commands) {
        if (errors[c.key]) continue
        const run = runTimed(c.command, c.args)
        if (run.error) {
          errors[c.key] = run.error
          failures.push(`${input.label}: ${c.label} failed (${run.error})`)
          continue
        }
        seconds[c.key] = [...(seconds[c.key] ?? []), run.seconds]
        if (run.cpuSeconds !== null) cpuSeconds[c.key] = [...(cpuSeconds[c.key] ?? []), run.cpuSeconds]
        outputs[c.key] = [...(outputs[c.key] ?? []), run.stdout]
      }
      if (pairError) continue
      const pair = await runConcurrently(solo.command, solo.args, 2, ROOT)
      if (pair.error) {
        pairError = pair.error
        failures.push(`${input.label}: ${pairLabel} failed (${pair.error})`)
      } else {
        pairSeconds.push(...pair.seconds)
        pairOutputs.push(...pair.stdout)
      }
    }
    const inprocRun = runTimed(node, [
      join(ROOT, 'bench/scan-inprocess.ts'),
      input.file,
      '--repeat',
      String(REPEAT),
    ])
    if (inprocRun.error) failures.push(`${input.label}: bench/scan-inprocess.ts failed (${inprocRun.error})`)
    const inproc: InProcessResult | null = inprocRun.error ? null : JSON.parse(inprocRun.stdout)
    const duckRuns = (outputs.duckdb ?? []).map(
      (o) => JSON.parse(o) as Headline & { queryS: number; duckdb: string },
    )
    // The query alone: each timed DuckDB run measured its own query.
    const duckQuery = duckRuns.length ? duckRuns.map((d) => d.queryS) : null

    const fileMB = statSync(input.file).size / 1e6
    say()
    say(`## scan ${input.label}`)
    say(`  ${input.file}`)
    say(
      `  ${inproc?.rows ?? '?'} rows, file ${fmt(fileMB, 0)} MB, row text ${inproc ? fmt(inproc.textMB, 0) : '?'} MB ` +
        '(UTF-8 of conversations + tools)',
    )
    row('line (wall seconds; whole commands: spawn to exit)', 'min s', 'median s', 'CPU s')
    const line = (label: string, xs: number[] | null | undefined, note = '', cpu?: number[]) =>
      xs?.length
        ? row(label, fmt(min(xs)), fmt(median(xs)), cpu?.length ? fmt(median(cpu)) : '', note)
        : row(label, 'n/a', 'n/a', '', note)
    for (const c of commands)
      line(c.label, seconds[c.key], errors[c.key] ? `FAILED (${errors[c.key]})` : '', cpuSeconds[c.key])
    if (!threads) line('1. ours: stats CLI --threads 1 / --threads N', null, 'n/a (flag not yet on main)')
    line('3. DuckDB query alone (timed inside each of those runs)', duckQuery)
    const pass = (k: keyof InProcessPass) => inproc?.passes.map((p) => p[k]) ?? null
    line("4. JSON.parse of every row's conversations JSON (in-process)", pass('jsonParse'))
    line('4. hyparquet parquetReadObjects, all columns (in-process)', pass('hyparquet'))
    line('4. our reader: streamRowSlices wait (in-process)', pass('reader'))
    line('5. full parseRow + statsAddRow (in-process)', pass('fullParse'))
    line("5. lazy parseRow + statsAddRow: the CLI's per-row work", pass('lazyStats'))
    line(pairLabel, pairSeconds, pairError ? `FAILED (${pairError})` : '')

    const med = (k: Command['key']) => (seconds[k]?.length ? median(seconds[k]) : null)
    const why = (k: Command['key']) =>
      errors[k] ? 'n/a (failed)' : k === 'oursAll' && !threads ? 'n/a (flag not yet on main)' : 'n/a'
    say('  ratios (medians of the wall seconds of whole commands)')
    const ratioLine = (
      label: string,
      a: Command['key'],
      b: Command['key'],
      target: string,
      ok: (v: number) => boolean,
    ) => {
      const x = med(a)
      const y = med(b)
      if (x === null || y === null) return row(label, 'n/a', '', '', x === null ? why(a) : why(b))
      const v = x / y
      const speed = b === 'cpython' ? `= ${fmt(y / x, 1)}x faster; ` : ''
      row(label, fmt(v, 3), '', '', `${speed}target ${target}: ${ok(v) ? 'MET' : 'MISSED'}`)
    }
    ratioLine('ours(1 thread) / CPython', 'ours1', 'cpython', '>= 5x faster', (v) => v <= 0.2)
    ratioLine('ours(all cores) / CPython', 'oursAll', 'cpython', '>= 5x faster', (v) => v <= 0.2)
    ratioLine('ours(1 thread) / DuckDB whole command', 'ours1', 'duckdb', '<= 1.5', (v) => v <= 1.5)
    ratioLine('ours(all cores) / DuckDB whole command', 'oursAll', 'duckdb', '<= 1.5', (v) => v <= 1.5)
    const alone = med('ours1')
    const together = pairSeconds.length ? median(pairSeconds) : null
    const cores2 = alone !== null && together !== null ? (2 * alone) / together : null
    row(
      'two busy threads, in cores: 2 x (1. --threads 1) / (6.)',
      cores2 === null ? 'n/a' : fmt(cores2, 2),
      '',
      '',
      `of 2: what --threads ${cores} can get from this machine at best`,
    )
    const soloOut = outputs.ours1?.[0]
    if (soloOut !== undefined && pairOutputs.some((o) => o !== soloOut))
      failures.push(`${input.label}: a copy of 6. printed a Stats document different from 1.'s`)

    // The four numbers side by side, from the first run of each command (every later run must print the same).
    const heads: [string, Headline][] = []
    for (const c of commands) {
      const outs = outputs[c.key]
      if (!outs?.length) continue
      const parse = (o: string): Headline =>
        c.key === 'ours1' || c.key === 'oursAll' ? oursHeadline(o) : (JSON.parse(o) as Headline)
      const first = parse(outs[0] as string)
      for (const o of outs.slice(1)) {
        const again = parse(o)
        if (HEADLINE_INTS.some((k) => again[k] !== first[k]))
          failures.push(`${input.label}: ${c.label} printed different numbers in two runs`)
      }
      const name =
        c.key === 'ours1'
          ? `ours${threads ? ' --threads 1' : ''} (Stats seed)`
          : c.key === 'oursAll'
            ? `ours --threads ${cores} (Stats seed)`
            : c.key === 'cpython'
              ? 'CPython tutorial loop'
              : `DuckDB ${duckRuns[0]?.duckdb ?? ''}`
      heads.push([name, first])
    }
    say('  the four numbers (and the integers behind them)')
    say(
      `  ${''.padEnd(30)} ${'rows'.padStart(7)} ${'avgTurns'.padStart(12)} ${'avgToolCalls'.padStart(13)} ` +
        `${'pctWithError'.padStart(13)}   messages / regex calls / error rows`,
    )
    for (const [name, h] of heads) {
      say(
        `  ${name.padEnd(30)} ${String(h.rows).padStart(7)} ${fmt(h.avgTurns, 6).padStart(12)} ` +
          `${fmt(h.avgToolCalls, 6).padStart(13)} ${fmt(h.pctWithError, 6).padStart(13)}   ` +
          `${h.messages} / ${h.toolCalls} / ${h.seedErrorRows}`,
      )
    }
    const reference = heads.find(([name]) => name === 'CPython tutorial loop')?.[1]
    let agree = heads.length === commands.length && reference !== undefined
    for (const [name, h] of heads) {
      if (!reference || h === reference) continue
      const differ = HEADLINE_INTS.filter((k) => h[k] !== reference[k])
      if (differ.length === 0) continue
      agree = false
      say(`  !!! MISMATCH: ${name} differs from the CPython tutorial loop in ${differ.join(', ')} !!!`)
      const sqlHeuristic = name.startsWith('DuckDB') && differ.every((k) => k === 'seedErrorRows')
      if (sqlHeuristic)
        say(
          '      (DuckDB: the SQL error heuristic is the closest to json.dumps-then-lowercase, not the same code)',
        )
      else
        failures.push(
          `${input.label}: ${name} differs from the CPython tutorial loop in ${differ.join(', ')}`,
        )
    }
    say(
      agree
        ? '  agree: every command counts the same rows, messages, regex calls and error rows'
        : '  NOT all four numbers could be compared or agree: see above',
    )

    results[input.label] = {
      file: input.file,
      rows: inproc?.rows,
      fileMB,
      textMB: inproc?.textMB,
      threadsFlag: threads,
      seconds,
      cpuSeconds,
      errors,
      pairSeconds,
      twoThreadCores: cores2,
      duckdbQuerySeconds: duckQuery,
      inProcess: inproc?.passes,
      headline: Object.fromEntries(heads),
    }
  }
  say(`  load average at end ${load()}`)
  results.firstTouchMicroseconds = touchUs
  return { results, failures }
}
