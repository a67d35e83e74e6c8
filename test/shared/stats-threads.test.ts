/**
 * The stats CLI on several threads: for every layout real writers produce (test/fixtures/layouts) and for a
 * generated sample file, `--threads 3` prints byte-for-byte what `--threads 1` prints; the thread ranges cover
 * every row exactly once without crossing a row group; bad `--threads` values exit 1 naming the flag.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { asyncBufferFromFile } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { planThreadRanges } from '../../scripts/lib/stats-threads.ts'
import { parquetOpen, parquetRowCount, parquetRowGroups } from '../../shared/parquet.ts'

const ROOT = join(import.meta.dirname, '../..')
const CLI = join(ROOT, 'scripts/stats.ts')
const LAYOUTS = join(ROOT, 'test/fixtures/layouts')
const files = readdirSync(LAYOUTS)
  .filter((f) => f.endsWith('.parquet'))
  .map((f) => join(LAYOUTS, f))

function stats(file: string, threads: number, budgetMb = 1): string {
  const res = spawnSync(
    process.execPath,
    [
      CLI,
      '--file',
      file,
      '--config',
      'kimi',
      '--quiet',
      '--threads',
      String(threads),
      '--budget-mb',
      String(budgetMb),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  )
  if (res.status !== 0) throw new Error(`stats --threads ${threads} ${file}: ${res.stderr}`)
  return res.stdout
}

describe('stats on several threads', () => {
  it('finds the layout fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(10)
  })

  it.each(files)('%s: --threads 3 prints exactly what --threads 1 prints', (file) => {
    const one = stats(file, 1)
    const three = stats(file, 3)
    expect(JSON.parse(one).rows).toBeGreaterThan(0)
    expect(three).toBe(one)
  })

  it.each(files)('%s: thread ranges cover every row once, inside row groups', async (file) => {
    const metadata = await parquetOpen(await asyncBufferFromFile(file))
    const groups = parquetRowGroups(metadata)
    for (const threads of [1, 2, 3, 8]) {
      const ranges = planThreadRanges(metadata, threads)
      expect(ranges.length).toBeGreaterThan(0)
      let next = 0
      for (const r of ranges) {
        expect(r.start).toBe(next)
        expect(r.end).toBeGreaterThan(r.start)
        const group = groups.find((g) => g.start <= r.start && r.start < g.start + g.rows)
        expect(group).toBeDefined()
        expect(r.end).toBeLessThanOrEqual((group?.start ?? 0) + (group?.rows ?? 0))
        next = r.end
      }
      expect(next).toBe(parquetRowCount(metadata))
    }
  })

  it('rejects --threads 0 and --threads x naming the flag', () => {
    for (const value of ['0', 'x', '-2']) {
      const res = spawnSync(process.execPath, [CLI, '--file', files[0] as string, '--threads', value], {
        encoding: 'utf8',
      })
      expect(res.status).toBe(1)
      expect(res.stderr).toMatch(/--threads/)
    }
  })
})
