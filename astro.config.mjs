// The report site: static pages built from the dataset at build time (site/lib/data.ts), served by the Worker
// as assets (wrangler.toml [assets] directory = ./dist/site). Telemetry is off through
// ASTRO_TELEMETRY_DISABLED=1 in every script that runs astro (there is no config key for it).
import { defineConfig } from 'astro/config'
import { swaggerUiIntegration } from './scripts/lib/swagger-ui-assets.ts'

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  outDir: './dist/site',
  output: 'static',
  // Absolute URLs for og:url and the embed snippets when the public origin is known (optional).
  site: process.env.HTE_SITE_URL || undefined,
  trailingSlash: 'ignore',
  build: {
    // /tools/terminal/index.html: the Worker's asset server maps /tools/terminal/ to it.
    format: 'directory',
    // Every stylesheet a file, however small: the site's Content-Security-Policy (site/public/_headers) refuses
    // inline <style>, which Astro would otherwise emit for CSS chunks under 4 kB.
    inlineStylesheets: 'never',
  },
  devToolbar: { enabled: false },
  compressHTML: true,
  // Swagger UI's files for the Worker's /api/docs page, copied from node_modules into the output (not committed).
  integrations: [swaggerUiIntegration()],
})
