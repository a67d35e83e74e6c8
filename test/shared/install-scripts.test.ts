/**
 * `allowScripts` in package.json: every installed package with an install script is either approved or denied
 * there. npm 12 skips the install scripts of packages it does not list, and one of them (the `node` package's
 * preinstall) is what gives every npm script Node 24 on a machine whose own node is older.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const LIFECYCLE = ['preinstall', 'install', 'postinstall'] as const

interface Manifest {
  name?: string
  version?: string
  scripts?: Record<string, string>
  allowScripts?: Record<string, boolean>
}

const readManifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Manifest

/** `name@version` of every package under `modules` (nested node_modules included) that has an install script. */
function packagesWithInstallScripts(modules: string): { name: string; version: string }[] {
  const found: { name: string; version: string }[] = []
  const visit = (dir: string) => {
    const manifestPath = join(dir, 'package.json')
    if (existsSync(manifestPath)) {
      const manifest = readManifest(manifestPath)
      if (manifest.name && LIFECYCLE.some((s) => manifest.scripts?.[s] !== undefined)) {
        found.push({ name: manifest.name, version: manifest.version ?? '' })
      }
    }
    const nested = join(dir, 'node_modules')
    if (existsSync(nested)) walk(nested)
  }
  const walk = (nodeModules: string) => {
    for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue
      const path = join(nodeModules, entry.name)
      if (entry.name.startsWith('@')) {
        for (const scoped of readdirSync(path, { withFileTypes: true })) {
          if (scoped.isDirectory()) visit(join(path, scoped.name))
        }
      } else {
        visit(path)
      }
    }
  }
  walk(modules)
  return found
}

describe('package.json allowScripts', () => {
  const allow = readManifest(join(ROOT, 'package.json')).allowScripts ?? {}
  const withScripts = packagesWithInstallScripts(join(ROOT, 'node_modules'))

  it('covers every installed package that has an install script', () => {
    // The tree always holds some (the node package itself has a preinstall): an empty list means the walk broke.
    expect(withScripts.map((p) => p.name)).toContain('node')
    const uncovered = withScripts.filter(
      (p) => allow[p.name] === undefined && allow[`${p.name}@${p.version}`] === undefined,
    )
    expect(uncovered).toEqual([])
  })

  it('lets the node package install Node 24 for the npm scripts', () => {
    expect(allow.node).toBe(true)
  })
})
