/**
 * `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run.
 *
 *   npm run bench                       all sections on the full-scale sample (generated into .cache/bench-full
 *                                       on first use: ~3 minutes, ~0.9 GB)
 *   npm run bench -- --small            on the small sample instead (fast)
 *   npm run bench -- --only parse,cli   sections: parse, cli, worker, site, tokenize
 *   npm run bench -- --only memory      the Worker isolate's heap peak over cold traffic, stats, lists and export
 *                                       (bench/memory.ts; not in the default set: ~10-20 minutes); exits non-zero
 *                                       above 128 MB, on a non-200 in the cold load, or when stats never complete
 *   npm run bench -- --only coldload    240 distinct cold traces at concurrency 8 while stats compute: non-200s
 *                                       (--stats-timeout-min N: how long memory waits for stats, default 15)
 *
 * Results are printed and written to .bench/results.json.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseFlags } from '../scripts/lib/cli-args.ts'
import { benchMemory, prepareMemoryData } from './memory.ts'
import { benchParse } from './parse.ts'
import { benchWorker } from './worker.ts'

const ROOT = join(import.meta.dirname, '..')

function section(name: string, values: Record<string, unknown>): void {
  process.stdout.write(`\n## ${name}\n`)
  for (const [k, v] of Object.entries(values)) process.stdout.write(`  ${k.padEnd(28)} ${v}\n`)
}

/** Peak RSS and time of the stats CLI over a file, in a fresh process. */
function benchStatsCli(file: string, config: string): Record<string, number> {
  const code = `
    import { statsFromParquetFile } from ${JSON.stringify(join(ROOT, 'scripts/lib/stats-pipeline.ts'))}
    const t = performance.now()
    const s = await statsFromParquetFile(${JSON.stringify(file)}, { config: ${JSON.stringify(config)}, dataset: 'bench', revision: 'bench', sample: true, quiet: true })
    process.stdout.write(JSON.stringify({ rows: s.rows, seconds: (performance.now() - t) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024 }))
  `
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }),
  )
  const fileMB = Number(execFileSync('stat', ['-c', '%s', file], { encoding: 'utf8' })) / 2 ** 20
  return {
    rows: out.rows,
    seconds: Math.round(out.seconds * 10) / 10,
    peakRssMB: Math.round(out.peakRssMB),
    fileMB: Math.round(fileMB),
    peakRssOverFileSize: Math.round((out.peakRssMB / fileMB) * 100) / 100,
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    only: { type: 'string', default: 'parse,cli,worker,site,tokenize' },
    seconds: { type: 'string', default: '8' },
    'stats-timeout-min': { type: 'string', default: '15' },
    small: { type: 'boolean' },
  })
  const only = new Set(flags.only.split(','))
  const small = flags.small === true
  const dir = small ? join(ROOT, '.cache/bench-small') : join(ROOT, '.cache/bench-full')
  if (!existsSync(join(dir, 'data/glm-5.1/train.parquet'))) {
    process.stderr.write(`bench: generating the ${small ? 'small' : 'full-scale'} sample into ${dir}\n`)
    execFileSync(
      process.execPath,
      [join(ROOT, 'scripts/sample.ts'), '--out', dir, '--scale', small ? 'small' : 'full'],
      {
        stdio: 'inherit',
      },
    )
  }
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
      section(`parse + trace + stats (${config}) vs JSON.parse over the same rows`, { ...r })
    }
  }
  if (only.has('cli')) {
    const r = benchStatsCli(kimi, 'kimi')
    results['statsCli.kimi'] = r
    section('stats CLI over the kimi file (peak memory bounded by a slice, not the file)', r)
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
    const tokenizePath = './tokenize.ts' // optional module: resolved at run time
    const { benchTokenize } = (await import(tokenizePath)) as {
      benchTokenize: (file: string) => Promise<Record<string, number>>
    }
    const r = await benchTokenize(small ? kimi : glm)
    results.tokenize = r
    section('tokenized export vs raw encode', r)
  }
  if (only.has('memory') || only.has('coldload')) {
    const coldloadOnly = !only.has('memory')
    process.stdout.write(
      coldloadOnly
        ? '\n## cold load: distinct cold traces at concurrency 8 while stats compute (Worker under wrangler dev)\n'
        : '\n## memory: the Worker isolate under wrangler dev, cold R2 (inspector Runtime.getHeapUsage every 100 ms)\n',
    )
    const { results: r, failures } = await benchMemory(prepareMemoryData(dir), {
      coldloadOnly,
      statsTimeoutMin: Number(flags['stats-timeout-min']),
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
