/**
 * The Node side reads the Hub through a mirror: against the Hub stand-in (with faults), the mirrored directory
 * holds byte-identical files, reports the Hub's commit sha as its revision, and gives the same stats.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeHub, startFakeHub } from '../../scripts/dev/fake-hub.ts'
import { datasetDirRevision } from '../../scripts/lib/dataset-dir.ts'
import { mirrorHubDataset } from '../../scripts/lib/hub-mirror.ts'

const ROOT = join(import.meta.dirname, '../..')

describe('mirrorHubDataset', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hte-mirror-'))
  const source = join(tmp, 'source')
  let hub: FakeHub
  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'scripts/sample.ts'),
        '--out',
        source,
        '--rows-kimi',
        '30',
        '--rows-glm',
        '20',
        '--seed',
        '3',
      ],
      {
        stdio: 'ignore',
      },
    )
    hub = await startFakeHub({ dir: source })
  })
  afterAll(async () => {
    await hub.close()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('downloads the card and config files through resolve redirects, surviving faults', async () => {
    hub.setFaults({
      status503: { times: 1, match: '/__cdn/', retryAfter: 0 },
      drop: { times: 1, match: '/__cdn/' },
    })
    const dir = await mirrorHubDataset({ endpoint: hub.url, cacheDir: join(tmp, 'cache'), quiet: true })
    expect(dir).toContain(hub.sha)
    for (const path of ['README.md', 'data/kimi/train.parquet', 'data/glm-5.1/train.parquet']) {
      expect(readFileSync(join(dir, path)).equals(readFileSync(join(source, path)))).toBe(true)
    }
    expect(await datasetDirRevision(dir)).toBe(hub.sha)
    const stats = (d: string) =>
      JSON.parse(
        execFileSync(process.execPath, [join(ROOT, 'scripts/stats.ts'), '--dataset-dir', d, '--quiet'], {
          encoding: 'utf8',
        }),
      )
    expect(stats(dir)).toEqual(stats(source))
  })

  it('fails clearly on an unknown revision', async () => {
    await expect(
      mirrorHubDataset({ endpoint: hub.url, revision: 'nope', cacheDir: join(tmp, 'c2'), quiet: true }),
    ).rejects.toThrow(/dataset info: HTTP 404/)
  })
})
