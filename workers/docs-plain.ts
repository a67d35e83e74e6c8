/**
 * The plain API reference (`GET /api/docs/plain`): the OpenAPI document rendered as one self-contained HTML page
 * (no script, no CDN, inline style): every path with its parameters and responses, every schema with its
 * properties. Rendered in the Worker from the document itself, so it can never disagree with
 * `/api/openapi.json`, and readable without JavaScript (the interactive `/api/docs` links it in <noscript>).
 */
type Obj = Record<string, unknown>

const esc = (s: unknown) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

/** Inline `code` spans of the descriptions (the rest stays text). */
const text = (s: unknown) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>')

const refName = (ref: string) => ref.split('/').pop() ?? ref

/** A short type expression of a JSON Schema: `string`, `Step[]`, `Trace | TraceExport`, `{…}`. */
function typeOf(schema: Obj | undefined): string {
  if (!schema) return 'any'
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref)
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(schema[key])) return (schema[key] as Obj[]).map(typeOf).join(' | ')
  }
  if (Array.isArray(schema.enum))
    return (schema.enum as unknown[]).map((v) => esc(JSON.stringify(v))).join(' | ')
  if (schema.const !== undefined) return esc(JSON.stringify(schema.const))
  if (schema.type === 'array') return `${typeOf(schema.items as Obj)}[]`
  if (schema.type === 'object' && !schema.properties && schema.additionalProperties) {
    return `map&lt;string, ${typeOf(schema.additionalProperties as Obj)}&gt;`
  }
  if (Array.isArray(schema.type)) return (schema.type as string[]).map(esc).join(' | ')
  if (schema.type) return esc(schema.type)
  return 'any JSON'
}

function propertiesTable(schema: Obj, depth = 0): string {
  const props = schema.properties as Record<string, Obj> | undefined
  if (!props) return ''
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const rows = Object.entries(props).map(([name, p]) => {
    const nested = depth < 3 && p.type === 'object' && p.properties ? propertiesTable(p, depth + 1) : ''
    const items = p.items as Obj | undefined
    const nestedItems =
      depth < 3 && items?.type === 'object' && items.properties ? propertiesTable(items, depth + 1) : ''
    return `<tr><td><code>${esc(name)}</code>${required.has(name) ? '' : ' <small>optional</small>'}</td><td>${typeOf(p)}${
      p.pattern ? ` <small>pattern <code>${esc(p.pattern)}</code></small>` : ''
    }</td><td>${text(p.description)}${nested}${nestedItems}</td></tr>`
  })
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** The plain reference page of an OpenAPI document. */
export function docsPlainHtml(doc: Obj): string {
  const info = doc.info as Obj
  const paths = doc.paths as Record<string, Record<string, Obj>>
  const components = doc.components as { schemas: Record<string, Obj>; responses: Record<string, Obj> }
  const out: string[] = []
  const nav: string[] = []
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const anchor = `op-${path.replace(/[^A-Za-z0-9]+/g, '-')}`
      nav.push(`<li><a href="#${anchor}"><code>${esc(path)}</code></a></li>`)
      const params = (op.parameters as Obj[] | undefined) ?? []
      const paramRows = params
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code>${p.required ? '' : ' <small>optional</small>'}</td><td>${esc(p.in)}</td><td>${typeOf(p.schema as Obj)}</td><td>${text(p.description)}</td></tr>`,
        )
        .join('')
      const responses = Object.entries(op.responses as Record<string, Obj>).map(([status, r]) => {
        const res = typeof r.$ref === 'string' ? (components.responses[refName(r.$ref)] ?? {}) : r
        const content = (res.content as Record<string, Obj> | undefined) ?? {}
        const media = Object.entries(content)
          .map(([type, m]) => `<code>${esc(type)}</code> ${typeOf(m.schema as Obj)}`)
          .join(', ')
        const headers = Object.keys((res.headers as Obj | undefined) ?? {})
        return `<tr><td>${esc(status)}</td><td>${text(res.description)}</td><td>${media}</td><td>${headers
          .map((h) => `<code>${esc(h)}</code>`)
          .join(' ')}</td></tr>`
      })
      out.push(`<section id="${anchor}"><h3><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p><strong>${text(op.summary)}</strong>. ${text(op.description)}</p>
${paramRows ? `<table><thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${paramRows}</tbody></table>` : ''}
<table><thead><tr><th>Status</th><th>Meaning</th><th>Body</th><th>Headers</th></tr></thead><tbody>${responses.join('')}</tbody></table></section>`)
    }
  }
  const schemas = Object.entries(components.schemas).map(
    ([name, s]) =>
      `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3><p>${text(s.description)}</p>${propertiesTable(s)}</section>`,
  )
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${esc(info.title)} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem 1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}td,th{border:1px solid #8884;padding:.25rem .5rem;text-align:left;vertical-align:top}
td table{margin:.25rem 0;font-size:.92em}code{font-size:.92em}.m{background:#2a7;color:#fff;border-radius:3px;padding:0 .35rem;font-size:.8em}
section{border-top:1px solid #8884;padding-top:.25rem}small{opacity:.75}nav ul{columns:2}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
<p>${text(info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json"><code>/api/openapi.json</code></a> (OpenAPI ${esc(doc.openapi)}). Interactive (Swagger UI, needs JavaScript): <a href="/api/docs"><code>/api/docs</code></a>.</p>
<nav><h2>Paths</h2><ul>${nav.join('')}</ul></nav>
<h2>Paths</h2>${out.join('\n')}
<h2>Schemas</h2>${schemas.join('\n')}
</body></html>`
}
