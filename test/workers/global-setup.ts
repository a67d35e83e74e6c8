/// <reference path="./provided.d.ts" />
/**
 * Vitest global setup of the workers project (runs in Node): generates the test sample dataset (once, cached
 * under .cache/) and starts the local Hub stand-in on a free loopback port. The Worker under test (workerd)
 * reaches it over HTTP; tests switch its faults through its control endpoint. The generator and the stats CLI
 * run as child processes, exactly as a user runs them (and outside Vite's module resolution).
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startFakeHub } from '../../scripts/dev/fake-hub.ts'

const ROOT = join(import.meta.dirname, '../..')
export const TEST_SAMPLE_DIR = join(ROOT, '.cache/workers-sample')
/** The same card over layout fixtures without a page index (test/fixtures/layouts), one stand-in per layout. */
const LAYOUTS_DIR = join(ROOT, '.cache/workers-layouts')
const LAYOUTS = ['pyarrow-defaults', 'pyarrow-rg20', 'pyarrow-small-pages', 'pyarrow-zstd', 'split-rows']

function node(script: string, args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(join(TEST_SAMPLE_DIR, 'data/glm-5.1/train.parquet'))) {
    node('scripts/sample.ts', [
      '--out',
      TEST_SAMPLE_DIR,
      '--rows-kimi',
      '160',
      '--rows-glm',
      '140',
      '--seed',
      '42',
    ])
  }
  const hub = await startFakeHub({ dir: TEST_SAMPLE_DIR })
  project.provide('hubUrl', hub.url)
  project.provide('hubSha', hub.sha)
  project.provide('sampleDir', TEST_SAMPLE_DIR)
  project.provide(
    'cliStats',
    node('scripts/stats.ts', ['--dataset-dir', TEST_SAMPLE_DIR, '--revision', hub.sha, '--quiet']).trim(),
  )
  // More stand-ins, each serving one layout the sample writer does not produce as kimi (layouts.test.ts).
  const layoutHubs = await Promise.all(
    LAYOUTS.map(async (layout) => {
      const dir = join(LAYOUTS_DIR, layout)
      for (const config of ['kimi', 'glm-5.1']) {
        mkdirSync(join(dir, 'data', config), { recursive: true })
        copyFileSync(
          join(ROOT, 'test/fixtures/layouts', `${layout}.parquet`),
          join(dir, 'data', config, 'train.parquet'),
        )
      }
      copyFileSync(join(TEST_SAMPLE_DIR, 'README.md'), join(dir, 'README.md'))
      return { layout, hub: await startFakeHub({ dir }) }
    }),
  )
  project.provide(
    'layoutHubs',
    JSON.stringify(layoutHubs.map(({ layout, hub }) => ({ layout, url: hub.url, sha: hub.sha }))),
  )
  return async () => {
    await hub.close()
    for (const { hub } of layoutHubs) await hub.close()
  }
}
