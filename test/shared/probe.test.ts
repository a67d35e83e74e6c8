/**
 * `npm run probe` as users run it: a child process against the Hub stand-in serving a small generated sample.
 * The row groups and row totals it prints must be hyparquet's own reading of the served files; an unreachable
 * endpoint gives one plain line and a non-zero exit, no stack trace.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeHub, startFakeHub } from '../../scripts/dev/fake-hub.ts'
import type { ProbeReport } from '../../scripts/lib/hub-probe.ts'

const ROOT = join(import.meta.dirname, '../..')
const CLI = join(ROOT, 'scripts/probe.ts')

/** Run the CLI without blocking this process (the stand-in answers from this event loop). */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { encoding: 'utf8', env: { ...process.env, HF_TOKEN: '', HF_ENDPOINT: '' } },
      (err, stdout, stderr) => {
        ok({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
      },
    )
  })
}

describe('npm run probe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hte-probe-'))
  let hub: FakeHub
  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [join(ROOT, 'scripts/sample.ts'), '--out', dir, '--rows-kimi', '70', '--rows-glm', '50', '--seed', '7'],
      { stdio: 'ignore' },
    )
    hub = await startFakeHub({ dir })
  })
  afterAll(async () => {
    await hub?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('prints each config file with the row groups and rows hyparquet reads from it', async () => {
    const res = await run(['--endpoint', hub.url])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const blocks = res.stdout.split(/\n(?=\S+: data\/)/).slice(1)
    expect(blocks.map((b) => b.split(':')[0])).toEqual(['kimi', 'glm-5.1'])
    for (const block of blocks) {
      const path = /^\S+: (\S+)/.exec(block)?.[1] ?? ''
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(join(dir, path)))
      const m = /rows\s+([\d,]+) in (\d+) row groups?/.exec(block)
      expect(Number(m?.[1]?.replace(/,/g, ''))).toBe(Number(metadata.num_rows))
      expect(Number(m?.[2])).toBe(metadata.row_groups.length)
      const printed = [...block.matchAll(/row group (\d+)\s+rows\s+([\d,]+)/g)].map((g) => [
        Number(g[1]),
        Number(g[2]?.replace(/,/g, '')),
      ])
      expect(printed).toEqual(metadata.row_groups.map((g, i) => [i, Number(g.num_rows)]))
      expect(block).toMatch(/SNAPPY/)
      expect(block).toMatch(/cold trace\s+row [\d,]+ \([0-9a-f-]{36}, \d+ messages\): \d+ requests?, /)
    }
    expect(res.stdout).toContain(`revision ${hub.sha}`)
  })

  it('--json carries the same figures, and the cold trace read reached the stand-in', async () => {
    hub.resetLog()
    const res = await run(['--endpoint', hub.url, '--config', 'kimi', '--json'])
    expect(res.code).toBe(0)
    const report = JSON.parse(res.stdout) as ProbeReport
    expect(report.sha).toBe(hub.sha)
    expect(report.files.map((f) => f.config)).toEqual(['kimi'])
    const kimi = report.files[0]
    const metadata = await parquetMetadataAsync(
      await asyncBufferFromFile(join(dir, 'data/kimi/train.parquet')),
    )
    expect(kimi?.rows).toBe(Number(metadata.num_rows))
    expect(kimi?.rowGroups.map((g) => g.rows)).toEqual(metadata.row_groups.map((g) => Number(g.num_rows)))
    expect(kimi?.size).toBe(hub.files.find((f) => f.path === 'data/kimi/train.parquet')?.size)
    const cold = kimi?.coldTrace
    expect(cold && 'requests' in cold ? cold.requests : 0).toBeGreaterThan(0)
    const cdn = hub.requests.filter((r) => r.kind === 'cdn')
    expect(cdn.length).toBeGreaterThan(0)
    expect(cdn.every((r) => r.status === 206)).toBe(true)
  })

  it('says plainly when the Hub cannot be reached', async () => {
    const res = await run(['--endpoint', 'http://127.0.0.1:1'])
    expect(res.code).not.toBe(0)
    expect(res.stdout).toBe('')
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toMatch(/^probe: could not reach the Hub at http:\/\/127\.0\.0\.1:1\b/)
    expect(res.stderr).not.toMatch(/\bat .+:\d+:\d+/) // no stack frames
  })
})
