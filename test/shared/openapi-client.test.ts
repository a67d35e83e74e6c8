/**
 * A typed TypeScript client from the OpenAPI document compiles: `openapi-typescript` turns the document (imported
 * as the Worker builds it) into `paths` types, and a small `openapi-fetch` client (the README's example) is
 * type-checked against them with the project's `tsc`. A schema that stopped describing the answers (say `steps`
 * gone from `Trace`) fails here, as it would in a user's build.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import openapiTS from 'openapi-typescript'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
// Inside the repository (ignored) so the client resolves openapi-fetch from node_modules.
const DIR = join(ROOT, '.cache/openapi-client')

// Imported by URL so this (node) project's type check does not follow it into the Worker's code.
const routeModule = new URL('../../workers/routes/openapi.ts', import.meta.url).href
const { openApiDocument } = (await import(routeModule)) as { openApiDocument: () => Record<string, unknown> }

/** The README's client example. */
const CLIENT = `import createClient from 'openapi-fetch'
import type { paths } from './api.ts'

const api = createClient<paths>({ baseUrl: 'http://localhost:8787' })

/** Tool names called in each step of a trace. */
export async function callsPerStep(id: string): Promise<string[][]> {
  const { data, error } = await api.GET('/api/trace/{id}', { params: { path: { id } } })
  if (error) throw new Error(\`\${error.status} \${error.detail}\`)
  if ('format' in data) throw new Error('asked for the replay document, got an export form')
  return data.steps.map((step) => step.calls.map((call) => call.name))
}

/** The error rate of one config, with the page of failing summaries. */
export async function failing(config: 'kimi' | 'glm-5.1'): Promise<{ rate: number; ids: string[] }> {
  const stats = await api.GET('/api/stats', { params: { query: { config } } })
  const list = await api.GET('/api/traces', { params: { query: { config, error: 'any', limit: '100' } } })
  if (stats.error || list.error) throw new Error('request failed')
  const rate = 'averages' in stats.data ? stats.data.averages.pctRowsWithToolError : Number.NaN
  return { rate, ids: list.data.items.map((s) => s.id) }
}
`

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023', 'DOM'],
    module: 'ESNext',
    moduleResolution: 'bundler',
    strict: true,
    noUncheckedIndexedAccess: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  },
  include: ['*.ts'],
}

describe('typed client from the OpenAPI document', () => {
  afterAll(() => rmSync(DIR, { recursive: true, force: true }))

  it('openapi-typescript + openapi-fetch: the README client type-checks', async () => {
    mkdirSync(DIR, { recursive: true })
    const types = await openapiTS(openApiDocument() as never)
    writeFileSync(join(DIR, 'api.ts'), types)
    writeFileSync(join(DIR, 'client.ts'), CLIENT)
    writeFileSync(join(DIR, 'tsconfig.json'), JSON.stringify(TSCONFIG))
    const tsc = join(ROOT, 'node_modules/.bin/tsc')
    const run = await promisify(execFile)(tsc, ['-p', join(DIR, 'tsconfig.json')]).catch(
      (err: { stdout: string; stderr: string }) => err,
    )
    expect(`${run.stdout}${run.stderr}`).toBe('')
    // And it would fail on a client that reads a field the document does not have.
    writeFileSync(join(DIR, 'wrong.ts'), `${CLIENT.replace('data.steps.map', 'data.stepz.map')}`)
    const wrong = await promisify(execFile)(tsc, ['-p', join(DIR, 'tsconfig.json')]).catch(
      (err: { stdout: string; stderr: string }) => err,
    )
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/stepz/)
  }, 60_000)
})
