/**
 * `GET /api/health`: what an operator needs at a glance. The resolved revision; per config whether the id
 * index, the stats and the row summaries are complete (with progress and failed slices); the isolate's cache
 * hit ratios and memory reservations. Never cached; 503 (`status: degraded`) when the storage cannot be read.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { blockMemoryBytes, blockTotals } from '../data/block-cache.ts'
import { memoBytes } from '../data/context.ts'
import { pageMapProgress } from '../data/page-map.ts'
import { searchProgress } from '../data/search-index.ts'
import { sliceBase, sliceProgress, statsKeys } from '../data/slices.ts'
import { storageTotals } from '../data/storage.ts'
import type { AppEnv } from '../env.ts'
import { queueTotals } from '../queue.ts'
import { parseQuery } from '../validate.ts'

export const healthQuery = z.object({})

const startedAt = new Date().toISOString()

function ratio(hits: number, total: number): number | null {
  return total > 0 ? Math.round((hits / total) * 1000) / 1000 : null
}

/** Progress of a config's search index (without the lists of what is missing). */
async function searchHealth(data: AppEnv['Variables']['data'], config: string) {
  const { missing: _m, missingShards: _s, ...progress } = await searchProgress(data, config)
  return progress
}

export const health = new Hono<AppEnv>().get('/', async (c) => {
  parseQuery(c, healthQuery)
  const data = c.get('data')
  const info = await data.revision()
  const idIndex = await data.storage.exists(data.idIndexKey(info)).catch(() => null)
  const configs: Record<string, unknown> = {}
  let degraded = idIndex === null
  for (const config of info.configs) {
    try {
      const merged = await data.storage.exists(statsKeys(sliceBase(info, config.name)).merged)
      const p = await sliceProgress(data, config.name)
      configs[config.name] = {
        rowsTotal: p.rowsTotal,
        stats: {
          complete: merged || p.missing.length === 0,
          slicesDone: p.done.length,
          slicesTotal: p.slices.length,
          rowsDone: p.done.reduce((n, s) => n + s.end - s.start, 0),
          failed: [...p.failed.entries()].slice(0, 20).map(([slice, f]) => ({ slice, ...f })),
        },
        // Summaries are written with their slice's stats partial: the same coverage.
        summaries: { complete: p.missing.length === 0 },
        search: await searchHealth(data, config.name),
        // Files without a page index: the page map the Queue builds before traces can be read.
        pageMap: await pageMapProgress(data, config.name),
      }
    } catch (err) {
      degraded = true
      configs[config.name] = { error: (err as Error).message }
    }
  }
  const blockReads = blockTotals.memoryHits + blockTotals.storeHits + blockTotals.upstreamBlocks
  const gate = data.gate.stats()
  const body = {
    status: degraded ? 'degraded' : 'ok',
    dataset: info.dataset,
    revision: info.revision,
    requested: info.requested,
    sample: info.sample,
    idIndex,
    configs,
    caches: {
      blocks: {
        ...blockTotals,
        memoryHitRatio: ratio(blockTotals.memoryHits, blockReads),
        hitRatio: ratio(blockTotals.memoryHits + blockTotals.storeHits, blockReads),
        memoryBytes: blockMemoryBytes(),
      },
      r2: { ...storageTotals, hitRatio: ratio(storageTotals.hits, storageTotals.gets) },
      traceMemoBytes: memoBytes(),
    },
    memory: gate,
    queue: queueTotals,
    isolate: { startedAt },
  }
  // A monitor sees storage trouble as 503 (with Retry-After), the body says what failed.
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-revision': info.revision }
  if (degraded) headers['retry-after'] = '5'
  return c.json(body, degraded ? 503 : 200, headers)
})
