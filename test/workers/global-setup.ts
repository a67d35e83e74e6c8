/// <reference path="./provided.d.ts" />
/**
 * Vitest global setup of the workers project (runs in Node): generates the test sample dataset (once, cached
 * under .cache/) and starts the local Hub stand-in on a free loopback port. The Worker under test (workerd)
 * reaches it over HTTP; tests switch its faults through its control endpoint. The generator and the stats CLI
 * run as child processes, exactly as a user runs them (and outside Vite's module resolution).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startFakeHub } from '../../scripts/dev/fake-hub.ts'

const ROOT = join(import.meta.dirname, '../..')
export const TEST_SAMPLE_DIR = join(ROOT, '.cache/workers-sample')

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
  return () => hub.close()
}
