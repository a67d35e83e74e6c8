/**
 * The OpenAPI document (workers/routes/openapi.ts, imported as the Worker builds it) is valid OpenAPI 3.1 for an
 * independent validator (@apidevtools/swagger-parser: the OpenAPI 3.1 JSON Schema plus its own checks) and has
 * no placeholder schemas: every JSON answer names a component with properties.
 */
import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, it } from 'vitest'
import { CHART_NAMES } from '../../shared/charts.ts'

// Imported by URL so this (node) project's type check does not follow it into the Worker's code, which is
// checked against the Worker's own types (workers/tsconfig.json).
const routeModule = new URL('../../workers/routes/openapi.ts', import.meta.url).href
const { openApiDocument } = (await import(routeModule)) as { openApiDocument: () => Record<string, unknown> }

type Obj = Record<string, unknown>

describe('OpenAPI document', () => {
  const doc = openApiDocument() as Obj & {
    paths: Record<string, { get: Obj }>
    components: { schemas: Record<string, Obj> }
  }

  it('validates with swagger-parser', async () => {
    const api = (await SwaggerParser.validate(structuredClone(doc) as never)) as Obj
    expect(api.openapi).toBe('3.1.0')
  })

  it('every object schema has properties (no `{type: object}` placeholders)', () => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(schema.type, name).toBe('object')
      expect(Object.keys((schema.properties as Obj | undefined) ?? {}).length, name).toBeGreaterThan(0)
    }
    for (const [path, { get }] of Object.entries(doc.paths)) {
      const ok = (get.responses as Record<string, Obj>)['200'] as {
        content: Record<string, { schema?: Obj }>
      }
      const schema = ok.content['application/json']?.schema
      if (schema === undefined || path === '/api/openapi.json') continue
      const refs = JSON.stringify(schema).match(/#\/components\/schemas\/\w+/g) ?? []
      expect(refs.length, path).toBeGreaterThan(0)
    }
  })

  it('documents revision, every error status and the paging/retry headers', () => {
    for (const [path, { get }] of Object.entries(doc.paths)) {
      const responses = get.responses as Obj
      for (const status of ['400', '404', '405', '414', '429', '500', '502', '503', '504', '507']) {
        expect(responses[status], `${path} ${status}`).toBeDefined()
      }
      const names = (get.parameters as { name: string }[]).map((p) => p.name)
      const pinless = ['/api/openapi.json', '/api/docs', '/api/docs/plain', '/api/oembed']
      if (!pinless.includes(path)) expect(names, path).toContain('revision')
    }
    const text = JSON.stringify(doc)
    for (const header of ['Retry-After', 'Link', 'X-Rows', 'X-Rows-Total', 'X-Revision', 'ETag']) {
      expect(text).toContain(`"${header}"`)
    }
    expect(doc.paths['/api/charts/{name}.svg']).toBeDefined()
    expect(JSON.stringify(doc.paths['/api/charts/{name}.svg'])).toContain(CHART_NAMES[0])
    expect(doc.paths['/api/oembed']?.get.responses).toHaveProperty('501')
  })
})
