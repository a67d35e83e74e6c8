/**
 * Charts of dataset statistics: pure Plot option builders plus one SVG renderer, shared by the Astro site
 * build (Node), the Worker route `/api/charts/:name.svg` (workerd) and the snapshot tests.
 *
 * Runtime-neutral: no DOM global is touched; the caller passes a document, in Node and workerd a linkedom
 * one: `parseHTML('<!doctype html><html><body></body></html>').document`.
 *
 * - `shared/charts/chart-specs.ts`: the registry `CHARTS` and the drill-down table.
 * - `shared/charts/chart-data.ts`: bins, formats, colours and the bar / histogram layouts.
 * - `shared/charts/render-svg.ts`: `renderSvg`, the deterministic standalone SVG serialiser.
 */
import type { ChartBuildOptions, ChartName } from './charts/chart-specs.ts'
import { CHARTS } from './charts/chart-specs.ts'
import { renderSvg } from './charts/render-svg.ts'
import type { Stats } from './types.ts'

export type { ChartDatum } from './charts/chart-data.ts'
export { configColors } from './charts/chart-data.ts'
export type { ChartBuildOptions, ChartName, ChartSpec, DrillDownParams } from './charts/chart-specs.ts'
export { CHART_NAMES, CHARTS, chartDrillDown, isChartName } from './charts/chart-specs.ts'
export type { ChartOptions, RenderSvgOptions } from './charts/render-svg.ts'
export { CHART_WIDTH, renderSvg } from './charts/render-svg.ts'

/** Options of `renderChart`. */
export interface RenderChartOptions extends ChartBuildOptions {
  /** Width in viewBox units (default 720). */
  width?: number
  /** Draw the title as visible text (default true). */
  heading?: boolean
}

/**
 * Build chart `name` for `stats` (one config, or several compared side by side) and render it as a
 * standalone SVG string. Equal stats give byte-identical output.
 */
export function renderChart(
  name: ChartName,
  stats: Stats[],
  document: Document,
  options: RenderChartOptions = {},
): string {
  const spec = CHARTS[name]
  const { width, heading, ...build } = options
  return renderSvg(spec.build(stats, build), document, {
    title: spec.title,
    description: spec.description,
    width,
    heading,
  })
}
