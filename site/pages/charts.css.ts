/**
 * `/charts.css`: the styles of the inline chart SVGs (text colour per colour scheme, font sizes), taken from
 * the rendered charts themselves (site/lib/inline-svg.ts), so pages inline charts without inline styles.
 */
import type { APIRoute } from 'astro'
import { chartStylesheet, loadStats, statsList } from '../lib/data.ts'

export const GET: APIRoute = async () => {
  const css = chartStylesheet(statsList(await loadStats()))
  return new Response(css, { headers: { 'content-type': 'text/css; charset=utf-8' } })
}
