/** `GET /api/datasets`: the dataset, its resolved revision and configs with rows and bytes. */
import { Hono } from 'hono'
import { z } from 'zod'
import { allSettledOrThrow } from '../data/memo.ts'
import type { AppEnv } from '../env.ts'
import { sendJson } from '../http.ts'
import { parseQuery } from '../validate.ts'

export const datasetsQuery = z.object({})

export const datasets = new Hono<AppEnv>().get('/', async (c) => {
  parseQuery(c, datasetsQuery)
  const data = c.get('data')
  const info = await data.revision()
  const configs = await allSettledOrThrow(
    info.configs.map(async (config) => {
      const file = await data.file(config.name)
      return {
        name: config.name,
        split: config.split,
        path: config.path,
        rows: file.rows,
        bytes: file.size,
        rowGroups: file.metadata.row_groups.length,
      }
    }),
  )
  return sendJson(c, info.revision, {
    dataset: info.dataset,
    revision: info.revision,
    requested: info.requested,
    sample: info.sample,
    configs,
  })
})
