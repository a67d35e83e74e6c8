/**
 * `GET /api/charts/:name.svg?config=kimi|glm-5.1|all`: an embeddable SVG chart rendered in the Worker by the
 * same `shared/charts.ts` builders the site uses. Stable URLs; cached for an hour.
 */
import { Hono } from 'hono'
import { parseHTML } from 'linkedom'
import { z } from 'zod'
import { CHART_NAMES, isChartName, renderChart } from '../../shared/charts.ts'
import { allSettledOrThrow } from '../data/memo.ts'
import { configStats } from '../data/slices.ts'
import type { AppEnv } from '../env.ts'
import { CACHE, sendRepresentation } from '../http.ts'
import { HttpProblem } from '../problem.ts'
import { configSchema, parseQuery } from '../validate.ts'

export const chartsQuery = z.object({
  config: z
    .union([z.literal('all'), configSchema])
    .optional()
    .describe('`all` (default) compares every config.'),
  theme: z.enum(['auto', 'light', 'dark'], { message: 'theme must be auto, light or dark' }).optional(),
})

export const charts = new Hono<AppEnv>()
  .get('/', (c) => c.json({ charts: CHART_NAMES.map((name) => ({ name, url: `/api/charts/${name}.svg` })) }))
  .get('/:file', async (c) => {
    const file = c.req.param('file')
    const name = file.endsWith('.svg') ? file.slice(0, -4) : file
    if (!file.endsWith('.svg') || !isChartName(name)) {
      const shown = file.length > 80 ? `${file.slice(0, 80)}…` : file
      throw new HttpProblem(
        404,
        'unknown-chart',
        `unknown chart ${JSON.stringify(shown)} (known: ${CHART_NAMES.map((n) => `${n}.svg`).join(', ')})`,
        {
          param: 'name',
          value: shown,
        },
      )
    }
    const { config = 'all' } = parseQuery(c, chartsQuery)
    const data = c.get('data')
    const info = await data.revision()
    if (config !== 'all') await data.config(config)
    const names = config === 'all' ? info.configs.map((x) => x.name) : [config]
    const stats = await allSettledOrThrow(names.map((n) => configStats(data, n)))
    const complete = stats.every((s) => s.complete)
    const { document } = parseHTML('<!doctype html><html><body></body></html>')
    const svg = renderChart(name, stats, document as unknown as Document)
    return sendRepresentation(c, {
      revision: info.revision,
      body: svg,
      contentType: 'image/svg+xml; charset=utf-8',
      cache: complete ? CACHE.chart : CACHE.partial,
      etagExtra: stats.map((s) => s.rows).join(','),
    })
  })
