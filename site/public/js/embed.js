// The chart embed page (site/pages/embed/[name].astro): picks the config (`?config=`, default all) and the
// revision (`?revision=<sha>`, default the one the page was built from), sizes the image box, loads the
// chart from the API pinned to that revision and shows the matching data table. A file, not an inline
// script: the Content-Security-Policy allows scripts from 'self' only (site/public/_headers).
;(() => {
  const frame = document.getElementById('embed')
  const img = document.getElementById('embed-chart')
  const query = new URLSearchParams(location.search)
  const sizes = JSON.parse(frame.dataset.sizes)
  const asked = query.get('config') || 'all'
  const config = Object.hasOwn(sizes, asked) ? asked : 'all'
  const built = frame.dataset.revision
  const wanted = query.get('revision') || ''
  const revision = /^[0-9a-f]{40}$/.test(wanted) ? wanted : built
  img.width = sizes[config][0]
  img.height = sizes[config][1]
  const params = new URLSearchParams({ config })
  if (revision) params.set('revision', revision)
  img.src = `/api/charts/${frame.dataset.name}.svg?${params}`
  // The tables hold the numbers of the build's revision: shown only when the chart is of that revision.
  for (const table of document.querySelectorAll('details.chart-data')) {
    table.hidden = table.dataset.variant !== config || revision !== built
  }
  if (revision !== built) {
    const stats = new URLSearchParams({ revision })
    if (config !== 'all') stats.set('config', config)
    document.getElementById('embed-revision').textContent = revision.slice(0, 7)
    document.getElementById('embed-stats').href = `/api/stats?${stats}`
    document.getElementById('embed-other-revision').hidden = false
  }
})()
