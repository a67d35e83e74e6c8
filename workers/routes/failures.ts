/**
 * `GET /api/failures?config=&tool=&limit=`: failed tool calls grouped by error signature, per config and tool,
 * most frequent first. Read from the same merged stats as `/api/stats` (the `failures` field), so the same
 * completeness, coverage and Retry-After apply.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { failureListGroups } from '../../shared/failures.ts'
import type { Coverage, FailureList } from '../../shared/types.ts'
import { allSettledOrThrow } from '../data/memo.ts'
import { configStats } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { CACHE, sendJson } from '../http.ts'
import { badParam } from '../problem.ts'
import { configSchema, intParam, parseQuery } from '../validate.ts'
import { retryWhilePartial } from './stats.ts'

export const FAILURES_LIMIT_DEFAULT = 100
export const FAILURES_LIMIT_MAX = 1000

export const failuresQuery = z.object({
  config: configSchema
    .optional()
    .describe('Dataset config (subset): `kimi` or `glm-5.1`; all configs when absent.'),
  tool: z
    .string()
    .min(1, 'tool is empty')
    .max(200, 'tool is longer than 200 characters')
    .optional()
    .describe('Only the failures of this tool (exact name, e.g. `terminal`).'),
  limit: intParam(
    `Groups to return (default ${FAILURES_LIMIT_DEFAULT}); \`total\` counts them all.`,
    1,
    FAILURES_LIMIT_MAX,
  ).optional(),
})

export const failures = new Hono<AppEnv>().get('/', async (c) => {
  const { config, tool, limit = FAILURES_LIMIT_DEFAULT } = parseQuery(c, failuresQuery)
  const data = c.get('data')
  const info = await data.revision()
  const names =
    config !== undefined ? [(await data.config(config)).name] : info.configs.map((cfg) => cfg.name)
  const all = await allSettledOrThrow(names.map((name) => configStats(data, name)))
  const complete = all.every((s) => s.complete)
  // A tool no complete config ever called is a typo; while rows are still counted it may yet appear.
  if (tool !== undefined && complete && !all.some((s) => tool in s.toolErrors)) {
    throw badParam('tool', tool, `unknown tool (no call to it in ${names.join(', ')})`)
  }
  const groups = failureListGroups(all, tool)
  const coverage: Record<string, Coverage> = {}
  for (const s of all) if (s.coverage) coverage[s.config] = s.coverage
  const body: FailureList = {
    dataset: info.dataset,
    revision: info.revision,
    sample: info.sample,
    complete,
    ...(complete ? {} : { coverage }),
    groups: groups.slice(0, limit),
    total: groups.length,
  }
  const covered = all.map((s) => s.rows).join(',')
  return retryWhilePartial(
    sendJson(c, info.revision, body, complete ? CACHE.revision : CACHE.partial, covered),
    complete,
  )
})
