/**
 * `npm start`: the whole product on one localhost URL, offline, over the generated sample.
 *
 * 1. generates the sample dataset if `sample-data/` is missing;
 * 2. starts the local Hub stand-in serving it (the Worker reads it exactly as it reads the real Hub);
 * 3. builds the site when its sources are newer than `dist/site`;
 * 4. runs `wrangler dev` (workerd, local R2 and Queue) pointed at the stand-in, waits until it answers,
 *    starts the stats computation and prints the URL. Ctrl-C stops everything.
 *
 * Flags: --port N (default 8787), --dataset-dir DIR (default sample-data), --no-build.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeHub } from './dev/fake-hub.ts'
import { startWranglerDev } from './dev/wrangler-dev.ts'
import { flagInt, parseFlags } from './lib/cli-args.ts'
import { generateSample } from './lib/sample/generate.ts'

const ROOT = join(import.meta.dirname, '..')

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env })
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    )
  })
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: 'string' },
    'dataset-dir': { type: 'string' },
    'no-build': { type: 'boolean' },
  })
  const port = flagInt('port', flags.port, 8787)
  const dir = flags['dataset-dir'] ?? join(ROOT, 'sample-data')
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    ASTRO_TELEMETRY_DISABLED: '1',
    HTE_DATASET_DIR: dir,
  }

  if (!existsSync(join(dir, 'README.md'))) {
    process.stderr.write(`start: generating the sample dataset into ${dir}\n`)
    await generateSample({ out: dir, rowsKimi: 300, rowsGlm: 260, seed: 1 })
  }
  const hub = await startFakeHub({ dir })
  process.stderr.write(`start: Hub stand-in at ${hub.url} (revision ${hub.sha.slice(0, 12)})\n`)

  const site = join(ROOT, 'dist/site')
  const sources = Math.max(
    newestMtime(join(ROOT, 'site')),
    newestMtime(join(ROOT, 'shared')),
    newestMtime(join(dir, 'README.md')),
  )
  // Rebuild when the sources changed or the built pages describe another revision (e.g. the tests' sample).
  const index = join(site, 'index.html')
  const builtRevision = existsSync(index)
    ? /data-revision="([0-9a-f]+)"/.exec(readFileSync(index, 'utf8'))?.[1]
    : undefined
  const stale = newestMtime(site) < sources || builtRevision !== hub.sha
  if (flags['no-build'] !== true && existsSync(join(ROOT, 'astro.config.mjs')) && stale) {
    process.stderr.write('start: building the site\n')
    await run('npx', ['astro', 'build'], env)
  }

  let stopWrangler: (() => Promise<void>) | undefined
  const stop = async () => {
    await stopWrangler?.()
    await hub.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  const { url } = await startWranglerDev({
    port,
    vars: { HF_ENDPOINT: hub.url },
    persistTo: join(ROOT, '.wrangler/state'),
    inheritOutput: true,
    onSpawn: (s) => {
      stopWrangler = s
    },
  })
  // Start the stats map-reduce now, so the report's drill-down lists are ready when someone clicks.
  await fetch(`${url}/api/stats`).catch(() => undefined)
  process.stdout.write(
    `\nHermes Trace Explorer is running on the GENERATED SAMPLE (not the real dataset):\n` +
      `  site  ${url}/\n  API   ${url}/api/datasets   ${url}/api/stats   ${url}/api/openapi.json\n` +
      `Press Ctrl-C to stop.\n`,
  )
}

main().catch((err: Error) => {
  process.stderr.write(`start: ${err.message}\n`)
  process.exit(1)
})
