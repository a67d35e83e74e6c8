/** `GET /api/stats?config=`: a config's Stats, or every config side by side (StatsSet). */
import { Hono } from 'hono'
import { z } from 'zod'
import type { Stats, StatsSet } from '../../shared/types.ts'
import { allSettledOrThrow } from '../data/memo.ts'
import { configStats, PARTIAL_RETRY_AFTER } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { CACHE, sendJson } from '../http.ts'
import { configSchema, parseQuery } from '../validate.ts'

/** Incomplete stats tell clients when asking again is worthwhile (the body's `coverage` says what is missing). */
export function retryWhilePartial(res: Response, complete: boolean): Response {
  if (!complete) res.headers.set('retry-after', String(PARTIAL_RETRY_AFTER))
  return res
}

export const statsQuery = z.object({ config: configSchema.optional() })

export const stats = new Hono<AppEnv>().get('/', async (c) => {
  const { config } = parseQuery(c, statsQuery)
  const data = c.get('data')
  const info = await data.revision()
  if (config !== undefined) {
    await data.config(config)
    const one: Stats = await configStats(data, config)
    return retryWhilePartial(
      sendJson(c, info.revision, one, one.complete ? CACHE.revision : CACHE.partial, `${one.rows}`),
      one.complete,
    )
  }
  const all = await allSettledOrThrow(info.configs.map((cfg) => configStats(data, cfg.name)))
  const set: StatsSet = {
    dataset: info.dataset,
    revision: info.revision,
    sample: info.sample,
    complete: all.every((s) => s.complete),
    configs: Object.fromEntries(all.map((s) => [s.config, s])),
  }
  const covered = all.map((s) => s.rows).join(',')
  return retryWhilePartial(
    sendJson(c, info.revision, set, set.complete ? CACHE.revision : CACHE.partial, covered),
    set.complete,
  )
})
