/**
 * Nothing half-done forever, inside workerd: slices that fail until the Queue drops them are revived by the
 * dead-letter consumer, and work lost to a restart is redone by the scheduled repair, with nobody polling
 * `/api/stats`. Expected stats come from the stats CLI (a separate process over the same files).
 * (Its own file: these tests run for minutes and keep the test context's connections busy.)
 */

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import type { Stats, StatsSet } from '../../shared/types.ts'
import { clearBlockMemory } from '../../workers/data/block-cache.ts'
import { clearIsolateMemos } from '../../workers/data/context.ts'
import { clearSliceMemos, statsKeys } from '../../workers/data/slices.ts'
import type { Bindings } from '../../workers/env.ts'
import worker from '../../workers/index.ts'
import { api, apiJson, coldStart, eventually, resetHub, setFaults } from './helpers.ts'

const REPO = 'lambda/hermes-agent-reasoning-traces'

interface Health {
  configs: Record<string, { stats: { complete: boolean } }>
  queue: { deadLetters: number }
}

const health = () => apiJson<Health>('/api/health')

async function waitComplete(config: string, timeoutMs: number): Promise<void> {
  // /api/health only reads: nothing here re-enqueues missing slices.
  await eventually(async () => ((await health()).configs[config]?.stats.complete ? true : null), timeoutMs)
}

describe('nothing half-done forever', () => {
  it('slices the Queue drops after repeated upstream failures are revived and stats complete unattended', async () => {
    await coldStart()
    await apiJson('/api/datasets') // footers cached: the failures below hit the slices' pages only
    await setFaults({ status500: { match: '/__cdn/' } })
    const partial = await api('/api/stats?config=kimi')
    expect(partial.status).toBe(200)
    const body = (await partial.json()) as Stats
    expect(body.complete).toBe(false)
    expect(body.coverage?.slicesTotal).toBeGreaterThan(1)
    expect(body.coverage?.missing.length).toBeGreaterThan(0)
    expect(Number(partial.headers.get('retry-after'))).toBeGreaterThan(0)
    // The Queue retries, gives up, and the dead-letter consumer sends the slices back.
    try {
      await eventually(async () => ((await health()).queue.deadLetters > 0 ? true : null), 150_000)
    } finally {
      await resetHub() // the fault passes; nobody asks for /api/stats any more
    }
    await waitComplete('kimi', 120_000)
    const cli = JSON.parse(inject('cliStats')) as StatsSet
    expect(await apiJson<Stats>('/api/stats?config=kimi')).toEqual(cli.configs.kimi)
  }, 300_000)

  it('lost work after a restart is redone by the scheduled repair alone', async () => {
    const info = await apiJson<{ revision: string }>('/api/datasets')
    await apiJson('/api/stats?config=kimi') // starts the slices if an earlier test has not
    await waitComplete('kimi', 120_000)
    // Lose the merged document and two slices (as if their writes never landed), then "restart" the isolate.
    const base = `${REPO}/${info.revision}/kimi`
    const parts = await env.CACHE.list({ prefix: statsKeys(base).partials })
    const lost = parts.objects.slice(0, 2).map((o) => o.key)
    expect(lost.length).toBe(2)
    await env.CACHE.delete([statsKeys(base).merged, ...lost])
    clearIsolateMemos()
    clearBlockMemory()
    clearSliceMemos()
    expect((await health()).configs.kimi?.stats.complete).toBe(false)
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController(), env as unknown as Bindings, ctx)
    await waitOnExecutionContext(ctx)
    await waitComplete('kimi', 90_000)
    const cli = JSON.parse(inject('cliStats')) as StatsSet
    expect(await apiJson<Stats>('/api/stats?config=kimi')).toEqual(cli.configs.kimi)
  }, 240_000)
})
