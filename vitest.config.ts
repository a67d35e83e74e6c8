import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// One test command (`npm test`), one project per area: shared (node), workers (workerd), site (build + browser).
export default defineConfig({
  test: {
    // The Worker's structured logs (one JSON line per request or job) would drown the test report.
    onConsoleLog: (line: string) => !line.startsWith('{"t":'),
    projects: [
      {
        test: {
          name: 'shared',
          environment: 'node',
          include: ['test/shared/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // The Worker talks to the local Hub stand-in started by global-setup.ts; nothing else is reachable.
              bindings: {
                HF_ENDPOINT: inject('hubUrl'),
                HF_REVISION: 'main',
                SLICE_BUDGET_MB: '2',
                QUEUE_DELAY_SCALE: '0',
                // The suites send hundreds of requests from one client: rate limits are off here and turned on
                // per request by test/workers/ratelimit.test.ts (an env override).
                RATE_LIMITS: 'off',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/workers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Builds the site, runs it under wrangler dev with the Hub stand-in, drives Chromium.
          name: 'site',
          environment: 'node',
          include: ['test/site/**/*.test.ts'],
          // One file at a time: they share one build (dist/site, rebuilt when stale) and each runs wrangler dev
          // and Chromium; two at once would race on the build and starve each other on a 2-core runner.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
