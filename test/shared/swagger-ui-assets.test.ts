/**
 * The build step behind `/api/docs` (scripts/lib/swagger-ui-assets.ts): the Swagger UI files land in the site
 * output byte for byte as the installed package ships them, at the URLs the Worker's page links, and a package
 * without one of them fails loudly (a page that cannot load its script must fail the build).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { swaggerUiCopy } from '../../scripts/lib/swagger-ui-assets.ts'
import { API_DOCS_ASSETS } from '../../shared/api-docs-assets.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const PACKAGE = join(ROOT, 'node_modules/swagger-ui-dist')
const work = mkdtempSync(join(tmpdir(), 'hte-swagger-'))

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('swaggerUiCopy', () => {
  it('copies the bundle, stylesheet and licence texts unchanged, where the page links them', () => {
    const out = join(work, 'site')
    const written = swaggerUiCopy(out)
    expect(written.length).toBe(4)
    for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
      const copied = readFileSync(join(out, 'vendor/swagger-ui', name))
      expect(copied.length, name).toBeGreaterThan(0)
      expect(copied.equals(readFileSync(join(PACKAGE, name))), name).toBe(true)
    }
    for (const url of [API_DOCS_ASSETS.script, API_DOCS_ASSETS.style]) {
      expect(readFileSync(join(out, url)).length, url).toBeGreaterThan(10_000)
    }
    // The installed version is the one package.json pins exactly.
    const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies[
      'swagger-ui-dist'
    ]
    expect(JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')).version).toBe(pinned)
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('names the missing file of an incomplete package', () => {
    const partial = join(work, 'partial')
    mkdirSync(partial)
    writeFileSync(join(partial, 'swagger-ui-bundle.js'), '// bundle')
    expect(() => swaggerUiCopy(join(work, 'out2'), partial)).toThrow(/swagger-ui-dist has no swagger-ui\.css/)
  })
})
