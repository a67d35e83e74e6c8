/// <reference types="@cloudflare/vitest-plugin/types" />
// The Worker's main module, so `exports` from cloudflare:workers is typed in the workers tests.
export {}

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../../workers/index.ts')
    }
  }
}
