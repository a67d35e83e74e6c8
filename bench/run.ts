/**
 * `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run.
 *
 *   npm run bench                       all sections on the full-scale sample (generated into .cache/bench-full
 *                                       on first use: ~3 minutes, ~0.9 GB)
 *   npm run bench -- --small            on the small sample instead (fast)
 *   npm run bench -- --only parse,cli   sections: parse, cli, heapcap, worker, site, tokenize
 *                                       (heapcap: the stats CLI again under node --max-old-space-size=160)
 *   npm run bench -- --only memory      the Worker isolate's heap peak over cold traffic, stats, lists and export,
 *                                       over each real parquet layout (bench/memory.ts; not in the default set:
 *                                       ~15-25 minutes per layout); exits non-zero above 128 MB, on a non-200 in
 *                                       the cold load, when stats or a page map never complete, or when traces or
 *                                       stats are not exact
 *                                       (--layout datasets|pyarrow-defaults|pyarrow-rg1000|all, default all;
 *                                       --page-map-timeout-min N, default 30; --worker-vars NAME=V,NAME=V:
 *                                       wrangler.toml [vars] overrides, e.g. MEMORY_BUDGET_MB=48)
 *   npm run bench -- --only coldload    240 distinct cold traces at concurrency 8 while stats compute: non-200s
 *                                       (--stats-timeout-min N: how long memory waits for stats, default 15;
 *                                       --v8-flags "…": workerd's V8 flags, default a 64 MB old-space limit;
 *                                       "" for an unlimited heap)
 *   npm run bench -- --only scan        the stats CLI against the tutorial's CPython loop and DuckDB, whole commands
 *                                       (bench/scan.ts; not in the default set: ~15-25 minutes); exits non-zero when
 *                                       the four headline numbers disagree
 *   npm run bench -- --only slice       CPU ms per MB of the Worker's stats slice work, now vs commit 91d9c17
 *                                       (bench/slice.ts; not in the default set)
 *   npm run bench -- --only traceread   CPU of cold single-row reads on each writer's layout, now vs bedd686
 *                                       (bench/trace-read.ts; not in the default set)
 *   npm run bench -- --only search      GET /api/search under wrangler dev, cold local R2 (bench/search.ts; not in
 *                                       the default set): index build time through the Queue, index bytes per MB
 *                                       of row text, cold and warm p50/p90/max of 30 words and 30 phrases, PASS/MISS
 *                                       against the targets; exits non-zero when the index never completes or an
 *                                       answer is wrong (--build-timeout-min N, default 25; --search-rows N: a
 *                                       generated sample of N kimi + N glm-5.1 rows, seed 11, instead of the
 *                                       full-scale one; --v8-flags as for memory, default none here)
 *
 * Results are printed and written to .bench/results.json.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseFlags } from '../scripts/lib/cli-args.ts'
import { openLocalParquet } from '../scripts/lib/local-parquet.ts'
import { DEFAULT_SLICE_BUDGET } from '../shared/parquet.ts'
import { MEMORY_LAYOUTS, type MemoryLayout } from './lib/memory-layouts.ts'
import { ensureSample } from './lib/sample-cache.ts'
import { benchMemoryLayouts } from './memory.ts'
import { benchParse, PARSE_BENCH_LABELS } from './parse.ts'
import { benchScan, prepareRowGroupInput } from './scan.ts'
import { benchSearch } from './search.ts'
import { benchSliceCpu } from './slice.ts'
import { benchTraceRead, TRACE_READ_BASELINE } from './trace-read.ts'
import { benchWorker } from './worker.ts'

const ROOT = join(import.meta.dirname, '..')

function section(name: string, values: Record<string, unknown>): void {
  process.stdout.write(`\n## ${name}\n`)
  for (const [k, v] of Object.entries(values)) process.stdout.write(`  ${k.padEnd(28)} ${v}\n`)
}

/** The V8 heap cap (MB) of the heap-capped stats CLI run (`--only heapcap`). */
const HEAP_CAP_MB = 160

/**
 * The stats CLI (`node scripts/stats.ts --file F --config C --budget-mb N --quiet`) as a child process, with
 * `nodeFlags` before the script: wall time (spawn to exit, Node start-up included), peak RSS
 * (`process.resourceUsage().maxRSS`, written at exit by an `--import` hook; unknown when the process dies
 * without exiting, as on a V8 out-of-memory abort), and whether it completed (exit 0 and a Stats document
 * counting every row of the file).
 */
async function runStatsCli(
  file: string,
  config: string,
  nodeFlags: string[] = [],
): Promise<Record<string, string | number>> {
  const budgetMB = DEFAULT_SLICE_BUDGET / 2 ** 20
  const expectedRows = (await openLocalParquet(file)).rows
  const dir = mkdtempSync(join(tmpdir(), 'hte-bench-cli-'))
  try {
    const rssFile = join(dir, 'maxrss-kb')
    const hook = `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)))`
    const args = [
      ...nodeFlags,
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      join(ROOT, 'scripts/stats.ts'),
      ...['--file', file, '--config', config, '--budget-mb', String(budgetMB), '--quiet'],
    ]
    const t = performance.now()
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 })
    const seconds = (performance.now() - t) / 1000
    let rows = -1
    try {
      rows = (JSON.parse(r.stdout) as { rows: number }).rows
    } catch {
      // no Stats document: not completed
    }
    const oom = /heap out of memory|Reached heap limit/i.test(r.stderr ?? '')
    const completed = r.status === 0 && rows === expectedRows
    const outcome = completed
      ? 'completed'
      : oom
        ? 'ran out of memory (V8 heap limit)'
        : `failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''}`
    const peakRssMB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : null
    const fileMB = statSync(file).size / 2 ** 20
    return {
      outcome,
      'rows counted': rows >= 0 ? `${rows} of ${expectedRows}` : `none of ${expectedRows}`,
      'wall time s': Math.round(seconds * 10) / 10,
      'peak RSS MB': peakRssMB === null ? 'unknown (no clean exit)' : Math.round(peakRssMB),
      'file size MB': Math.round(fileMB),
      '--budget-mb': budgetMB,
      'peak RSS / file size': peakRssMB === null ? 'unknown' : Math.round((peakRssMB / fileMB) * 100) / 100,
      'node flags': nodeFlags.length ? nodeFlags.join(' ') : 'none',
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `node bench/tokenize.ts ...args` in its own process (a cold pre-token cache for each text): its JSON. */
function runTokenizeBench(args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, [join(ROOT, 'bench/tokenize.ts'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
  })
  return JSON.parse(out) as Record<string, number>
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    only: { type: 'string', default: 'parse,cli,heapcap,worker,site,tokenize' },
    seconds: { type: 'string', default: '8' },
    'stats-timeout-min': { type: 'string', default: '15' },
    'page-map-timeout-min': { type: 'string', default: '30' },
    layout: { type: 'string', default: 'all' },
    'worker-vars': { type: 'string', default: '' },
    'build-timeout-min': { type: 'string', default: '25' },
    'search-rows': { type: 'string' },
    'v8-flags': { type: 'string' },
    small: { type: 'boolean' },
  })
  const only = new Set(flags.only.split(','))
  const small = flags.small === true
  const dir = small ? join(ROOT, '.cache/bench-small') : join(ROOT, '.cache/bench-full')
  // Made once, and again when the sample generator's version changes.
  ensureSample(dir, ['--scale', small ? 'small' : 'full'], `the ${small ? 'small' : 'full-scale'} sample`)
  const results: Record<string, unknown> = { dataset: dir, scale: small ? 'small' : 'full' }
  const kimi = join(dir, 'data/kimi/train.parquet')
  const glm = join(dir, 'data/glm-5.1/train.parquet')

  if (only.has('parse')) {
    for (const [config, file] of [
      ['kimi', kimi],
      ['glm-5.1', glm],
    ] as const) {
      const r = await benchParse(file, config)
      results[`parse.${config}`] = r
      const labelled: Record<string, number> = {}
      for (const [k, v] of Object.entries(r)) labelled[PARSE_BENCH_LABELS[k as keyof typeof r]] = v
      section(
        `parse (${config}), same rows: (a) full parse + stats, (b) lazy stats parse (stats CLI, Worker slices), ` +
          "(c) JSON.parse, (d) parquet read+decode (the stats CLI's reader)",
        labelled,
      )
    }
  }
  if (only.has('cli')) {
    const r = await runStatsCli(kimi, 'kimi')
    results['statsCli.kimi'] = r
    section('stats CLI over the kimi file: wall time, peak RSS, file size, --budget-mb', r)
  }
  if (only.has('heapcap')) {
    const r = await runStatsCli(kimi, 'kimi', [`--max-old-space-size=${HEAP_CAP_MB}`])
    results[`statsCliHeapCap${HEAP_CAP_MB}.kimi`] = r
    section(
      `stats CLI over the kimi file under node --max-old-space-size=${HEAP_CAP_MB}: completes?, wall time, peak RSS`,
      r,
    )
  }
  if (only.has('worker')) {
    const r = await benchWorker(dir, { seconds: Number(flags.seconds) })
    results.worker = r
    section('Worker under wrangler dev (warm trace vs static asset; cold trace bytes vs row pages; stats)', r)
  }
  if (only.has('site') && existsSync(join(ROOT, 'bench/site.ts'))) {
    const sitePath = './site.ts' // optional module: resolved at run time
    const { benchSite } = (await import(sitePath)) as { benchSite: () => Promise<Record<string, number>> }
    const r = await benchSite()
    results.site = r
    section('site build and page weights', r)
  }
  if (only.has('tokenize') && existsSync(join(ROOT, 'bench/tokenize.ts'))) {
    const [config, file] = small ? ['kimi', kimi] : ['glm-5.1', glm]
    const onSample = runTokenizeBench([file])
    results.tokenize = onSample
    section(
      `tokenizer over the ${config} sample file (text from the generator's word lists): pipeline, library encode, export`,
      onSample,
    )
    const onRepo = runTokenizeBench(['--repo-text'])
    results.tokenizeRepoText = onRepo
    section(
      "tokenizer over the repository's own docs and source (README.md, docs/*.md, shared/*.ts, workers/**/*.ts " +
        "without .d.ts; not the generator's vocabulary): pipeline, library encode",
      onRepo,
    )
    // The pre-token cache pays off with volume: the sample again, cut to the repository text's size.
    const onSampleCut = runTokenizeBench([file, '--max-mb', String(onRepo.textMB)])
    results.tokenizeSampleCut = onSampleCut
    const row = (r: Record<string, number>) =>
      `pipeline ${r.pipelineMBps} MB/s, library encode ${r.libraryEncodeMBps} MB/s, ${r.ratioVsLibraryEncode}x (${r.textMB} MB)`
    section('tokenizer speed side by side (pipeline / library encode, each text in its own process)', {
      [`${config} sample (generator word lists)`]: row(onSample),
      [`${config} sample, first rows up to the repository text's MB`]: row(onSampleCut),
      'repository docs + source': row(onRepo),
    })
  }
  if (only.has('scan')) {
    process.stdout.write(
      '\n## scan: whole commands (ours, the CPython tutorial loop, DuckDB) and in-process lines\n',
    )
    const { results: r, failures } = await benchScan([
      prepareRowGroupInput(small),
      {
        label: `(b) the ${small ? 'small' : 'full-scale'} sample as generated (hyparquet-writer)`,
        file: kimi,
      },
    ])
    results.scan = r
    for (const f of failures) process.stdout.write(`  FAIL: ${f}\n`)
    if (failures.length) process.exitCode = 1
  }
  if (only.has('slice')) {
    process.stdout.write("\n## slice: CPU of the Worker's stats slice work in Node, now vs commit 91d9c17\n")
    results.slice = await benchSliceCpu(kimi)
  }
  if (only.has('traceread')) {
    process.stdout.write(
      `\n## traceread: CPU of cold single-row reads per layout in Node, now vs commit ${TRACE_READ_BASELINE}\n`,
    )
    results.traceread = await benchTraceRead(dir)
  }
  if (only.has('search')) {
    process.stdout.write('\n## search: GET /api/search under wrangler dev, cold local R2 and Queue\n')
    const rows = flags['search-rows']
    let searchDir = dir
    let label = small ? 'small generated sample (NOT full scale)' : 'full-scale generated sample'
    if (rows !== undefined) {
      if (!/^[1-9]\d*$/.test(rows))
        throw new Error(`flag "--search-rows" must be a positive integer, got "${rows}"`)
      searchDir = join(ROOT, `.cache/bench-search-rows-${rows}`)
      const args = ['--scale', 'full', '--rows-kimi', rows, '--rows-glm', rows, '--seed', '11']
      ensureSample(searchDir, args, `the search bench's ${rows} + ${rows} row sample`)
      label = `smaller generated sample (--search-rows ${rows}), NOT full scale`
    }
    const { results: r, failures } = await benchSearch(searchDir, {
      label,
      buildTimeoutMin: Number(flags['build-timeout-min']),
      v8Flags: flags['v8-flags'],
    })
    results.search = r
    if (failures.length) {
      for (const f of failures) process.stdout.write(`  FAIL: ${f}\n`)
      process.exitCode = 1
    }
  }
  if (only.has('memory') || only.has('coldload')) {
    const coldloadOnly = !only.has('memory')
    process.stdout.write(
      coldloadOnly
        ? '\n## cold load: distinct cold traces at concurrency 8 while stats compute (Worker under wrangler dev)\n'
        : '\n## memory: the Worker isolate under wrangler dev, cold R2 (inspector Runtime.getHeapUsage every 100 ms)\n',
    )
    const layouts = flags.layout === 'all' ? MEMORY_LAYOUTS : (flags.layout.split(',') as MemoryLayout[])
    const unknown = layouts.filter((l) => !MEMORY_LAYOUTS.includes(l))
    if (unknown.length)
      throw new Error(
        `flag "--layout" must be all or a list of ${MEMORY_LAYOUTS.join(', ')}, got "${unknown.join(',')}"`,
      )
    const { results: r, failures } = await benchMemoryLayouts(dir, layouts, {
      coldloadOnly,
      statsTimeoutMin: Number(flags['stats-timeout-min']),
      pageMapTimeoutMin: Number(flags['page-map-timeout-min']),
      workerVars: Object.fromEntries(
        flags['worker-vars']
          .split(',')
          .filter(Boolean)
          .map((kv) => {
            const at = kv.indexOf('=')
            if (at <= 0) throw new Error(`flag "--worker-vars" wants NAME=VALUE pairs, got "${kv}"`)
            return [kv.slice(0, at), kv.slice(at + 1)]
          }),
      ),
      v8Flags: flags['v8-flags'],
    })
    results[coldloadOnly ? 'coldload' : 'memory'] = r
    if (failures.length) {
      for (const f of failures) process.stdout.write(`  FAIL: ${f}\n`)
      process.exitCode = 1
    } else process.stdout.write('  PASS\n')
  }
  mkdirSync(join(ROOT, '.bench'), { recursive: true })
  writeFileSync(join(ROOT, '.bench/results.json'), `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write('\nwritten .bench/results.json\n')
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
