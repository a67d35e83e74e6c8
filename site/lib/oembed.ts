/**
 * oEmbed discovery (https://oembed.com/ §4): the `<link rel="alternate" type="application/json+oembed">` href of
 * a chart, pointing at the Worker's `/api/oembed` with the chart's embed page as `url` (pinned to the build's
 * revision, like the embed snippets). Blog platforms given a chart page find it and embed the chart by URL.
 */
import { apiRevision } from './data.ts'

/** The embed page of a chart (absolute when the site's origin is configured). */
export function embedPageUrl(name: string, revision: string, origin = ''): string {
  const pin = apiRevision(revision)
  return `${origin}/embed/${name}/${pin ? `?revision=${pin}` : ''}`
}

/** The oEmbed endpoint URL describing a chart's embed page. */
export function oembedHref(name: string, revision: string, origin = ''): string {
  return `${origin}/api/oembed?url=${encodeURIComponent(embedPageUrl(name, revision, origin))}&format=json`
}
