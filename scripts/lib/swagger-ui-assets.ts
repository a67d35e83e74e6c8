/**
 * Swagger UI's browser files for `/api/docs`, copied from the installed `swagger-ui-dist` package into the site
 * build output, so the Worker's static assets serve them from this origin (no CDN) and they stay out of the
 * Worker bundle and out of git. Runs as an Astro integration after every `astro build`.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AstroIntegration } from 'astro'
import { SWAGGER_UI_DIR, SWAGGER_UI_FILES } from '../../shared/api-docs-assets.ts'

/** Directory of the installed `swagger-ui-dist` package. */
export function swaggerUiPackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
}

/**
 * Copy the Swagger UI files into `outDir/vendor/swagger-ui/`; returns the written paths. Throws naming the file
 * when the package is not installed or lacks one (a page that cannot load its script must fail the build).
 */
export function swaggerUiCopy(outDir: string, packageDir = swaggerUiPackageDir()): string[] {
  const target = join(outDir, SWAGGER_UI_DIR)
  mkdirSync(target, { recursive: true })
  return SWAGGER_UI_FILES.map((name) => {
    const from = join(packageDir, name)
    if (!statSync(from, { throwIfNoEntry: false })?.isFile()) {
      throw new Error(`swagger-ui-dist has no ${name} (looked in ${packageDir}); run npm ci`)
    }
    const to = join(target, name)
    copyFileSync(from, to)
    return to
  })
}

/** Astro integration: copies the Swagger UI files into the build output once the build is done. */
export function swaggerUiIntegration(): AstroIntegration {
  return {
    name: 'hte-swagger-ui-assets',
    hooks: {
      'astro:build:done': ({ dir, logger }) => {
        const written = swaggerUiCopy(fileURLToPath(dir))
        logger.info(`copied ${written.length} swagger-ui-dist files to ${SWAGGER_UI_DIR}/`)
      },
    },
  }
}
