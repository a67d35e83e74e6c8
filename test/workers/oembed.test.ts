/**
 * oEmbed 1.0 (https://oembed.com/ §2.3) for every chart: both URL forms a blog author may paste (the embed page
 * and the SVG), the required fields of a `rich` answer, maxwidth/maxheight honoured, 404 for URLs that are not
 * our charts and 501 for XML (§2.3.5); each answer also validates against the OpenAPI document.
 */
import { describe, expect, it } from 'vitest'
import { CHART_NAMES, CHARTS } from '../../shared/charts.ts'
import { api, expectMatchesOpenApi } from './helpers.ts'

const ORIGIN = 'https://explorer.test'

async function oembed(query: string, status = 200): Promise<Record<string, unknown>> {
  const path = `/api/oembed?${query}`
  const res = await api(path)
  expect(res.status, path).toBe(status)
  return (await expectMatchesOpenApi(path, res)) as Record<string, unknown>
}

describe('oEmbed', () => {
  for (const name of CHART_NAMES) {
    it(`${name}: rich iframe of the embed page`, async () => {
      for (const url of [
        `${ORIGIN}/embed/${name}/?config=kimi`,
        `${ORIGIN}/api/charts/${name}.svg?config=kimi`,
      ]) {
        const body = await oembed(`url=${encodeURIComponent(url)}&format=json`)
        // §2.3.4: type and version required; rich requires html, width, height.
        expect(body).toMatchObject({ type: 'rich', version: '1.0', title: CHARTS[name].title })
        expect(body.provider_name).toBe('Hermes Trace Explorer')
        expect(body.provider_url).toBe(`${ORIGIN}/`)
        expect(Number.isInteger(body.width) && Number.isInteger(body.height)).toBe(true)
        const html = String(body.html)
        expect(html).toMatch(/^<iframe [^>]*><\/iframe>$/)
        expect(html).toContain(`src="${ORIGIN}/embed/${name}/?config=kimi"`)
        expect(html).toContain(`width="${body.width}" height="${body.height}"`)
      }
    })
  }

  it('honours maxwidth and maxheight (never larger, same aspect ratio)', async () => {
    const url = encodeURIComponent(`${ORIGIN}/embed/${CHART_NAMES[0]}/`)
    const full = await oembed(`url=${url}`)
    const narrow = await oembed(`url=${url}&maxwidth=320`)
    expect(narrow.width).toBeLessThanOrEqual(320)
    expect(
      Math.abs(
        (narrow.width as number) / (narrow.height as number) -
          (full.width as number) / (full.height as number),
      ),
    ).toBeLessThan(0.02)
    const short = await oembed(`url=${url}&maxwidth=2000&maxheight=100`)
    expect(short.height).toBeLessThanOrEqual(100)
    expect(short.width).toBeLessThanOrEqual(2000)
  })

  it('keeps the pinned revision and config of the URL', async () => {
    const sha = 'a'.repeat(40)
    const body = await oembed(
      `url=${encodeURIComponent(`${ORIGIN}/embed/${CHART_NAMES[1]}/?config=glm-5.1&revision=${sha}`)}`,
    )
    expect(String(body.html)).toContain(`/embed/${CHART_NAMES[1]}/?config=glm-5.1&amp;revision=${sha}`)
  })

  it('404 for URLs that are not our charts, 501 for XML, 400 without url', async () => {
    for (const url of [
      'https://example.com/embed/tools/',
      `${ORIGIN}/embed/no-such-chart/`,
      `${ORIGIN}/compare/`,
      'not a url',
    ]) {
      await oembed(`url=${encodeURIComponent(url)}`, 404)
    }
    await oembed(`url=${encodeURIComponent(`${ORIGIN}/embed/${CHART_NAMES[0]}/`)}&format=xml`, 501)
    await oembed('format=json', 400)
  })
})
