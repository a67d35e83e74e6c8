// Values the workers project's global setup (Node) provides to the tests (workerd).
export {}

declare module 'vitest' {
  export interface ProvidedContext {
    hubUrl: string
    hubSha: string
    sampleDir: string
    /** The stats CLI's StatsSet over the same files (JSON), for the map-reduce equality test. */
    cliStats: string
    /** Hub stand-ins each serving one layout fixture as both configs (JSON [{layout, url, sha}], layouts.test.ts). */
    layoutHubs: string
  }
}
