import { defineConfig } from 'vitest/config'

// One test command (`npm test`), one project per area: shared (node), workers (workerd), site (build + browser).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'shared',
          environment: 'node',
          include: ['test/shared/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
})
