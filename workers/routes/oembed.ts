/**
 * `GET /api/oembed?url=&maxwidth=&maxheight=&format=json`: oEmbed 1.0 (https://oembed.com/) for the charts, so a
 * blog platform given a chart URL embeds it by itself. `url` is one of this site's chart URLs: the embed page
 * `/embed/<name>/` or the SVG `/api/charts/<name>.svg` (their `config`, `theme` and `revision` are kept). The
 * answer is `type: rich` (§2.3.4) whose `html` is an `<iframe>` of the embed page; `width`/`height` fit
 * `maxwidth`/`maxheight` keeping the default frame's aspect ratio. Per §2.3.5: a URL that is not ours gets 404,
 * `format=xml` gets 501 Not Implemented. Discovery (§4): every embed page and the report's charts carry
 * `<link rel="alternate" type="application/json+oembed" href="/api/oembed?url=…">`.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { CHARTS, isChartName } from '../../shared/charts.ts'
import type { AppEnv } from '../env.ts'
import { HttpProblem } from '../problem.ts'
import type { OEmbedAnswer } from '../schemas.ts'
import { intParam, parseQuery } from '../validate.ts'

/** The default frame: the embed page scales the chart to fit, plus its footer line. */
export const OEMBED_WIDTH = 640
export const OEMBED_HEIGHT = 480

export const oembedQuery = z.object({
  url: z
    .string()
    .min(1, 'url is empty')
    .max(2048, 'url is longer than 2048 characters')
    .describe(
      'A chart URL of this site: `/embed/<chart>/` (with `config`, `theme`, `revision`) or `/api/charts/<chart>.svg`.',
    ),
  maxwidth: intParam('Largest width of the embed, in CSS pixels.', 1, 100_000).optional(),
  maxheight: intParam('Largest height of the embed, in CSS pixels.', 1, 100_000).optional(),
  format: z
    .enum(['json', 'xml'], { message: 'format must be json (xml is not implemented: 501)' })
    .optional()
    .describe('`json` (default); `xml` answers 501.'),
})

const KEPT_PARAMS = ['config', 'theme', 'revision'] as const

const escapeAttr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The chart a URL of this origin shows, or null when it is not one of our chart URLs. */
export function oembedChart(target: URL, origin: string): string | null {
  if (target.origin !== origin) return null
  const m =
    /^\/embed\/([^/]+)\/?$/.exec(target.pathname) ?? /^\/api\/charts\/([^/]+)\.svg$/.exec(target.pathname)
  const name = m?.[1]
  return name !== undefined && isChartName(name) ? name : null
}

/** Width and height within the limits, keeping the default frame's aspect ratio. */
export function oembedSize(maxwidth?: number, maxheight?: number): { width: number; height: number } {
  const scale = Math.min(1, (maxwidth ?? Infinity) / OEMBED_WIDTH, (maxheight ?? Infinity) / OEMBED_HEIGHT)
  return {
    width: Math.max(1, Math.floor(OEMBED_WIDTH * scale)),
    height: Math.max(1, Math.floor(OEMBED_HEIGHT * scale)),
  }
}

export const oembed = new Hono<AppEnv>().get('/', (c) => {
  const query = parseQuery(c, oembedQuery)
  if (query.format === 'xml') {
    throw new HttpProblem(501, 'not-implemented', 'oEmbed format "xml" is not implemented; use format=json', {
      param: 'format',
      value: 'xml',
    })
  }
  const origin = new URL(c.req.url).origin
  let target: URL
  try {
    target = new URL(query.url, origin)
  } catch {
    target = new URL('about:blank')
  }
  const name = oembedChart(target, origin)
  if (name === null) {
    throw new HttpProblem(
      404,
      'not-embeddable',
      `no chart at url=${JSON.stringify(query.url.slice(0, 200))} (expected ${origin}/embed/<chart>/)`,
      {
        param: 'url',
      },
    )
  }
  const spec = CHARTS[name as keyof typeof CHARTS]
  const src = new URL(`/embed/${name}/`, origin)
  for (const key of KEPT_PARAMS) {
    const v = target.searchParams.get(key)
    if (v !== null) src.searchParams.set(key, v)
  }
  const { width, height } = oembedSize(query.maxwidth, query.maxheight)
  const body: OEmbedAnswer = {
    type: 'rich',
    version: '1.0',
    title: spec.title,
    provider_name: 'Hermes Trace Explorer',
    provider_url: `${origin}/`,
    html: `<iframe src="${escapeAttr(src.href)}" title="${escapeAttr(spec.title)}" width="${width}" height="${height}" style="border:0;max-width:100%" loading="lazy"></iframe>`,
    width,
    height,
    cache_age: 3600,
  }
  return c.json(body, 200, {
    'cache-control': 'public, max-age=3600',
    'access-control-allow-origin': '*',
  })
})
