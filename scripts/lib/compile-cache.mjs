/**
 * Node's on-disk compile cache for the CLIs: a second run loads its modules' stripped and compiled code instead of
 * stripping and compiling every TypeScript module again, and worker threads started later find the directory in
 * `NODE_COMPILE_CACHE`. The cache sits in the system's temporary directory, keyed by each module's content, so an
 * edited module is compiled afresh. `NODE_DISABLE_COMPILE_CACHE=1` turns it off (Node's own switch).
 *
 * Plain JavaScript on purpose, and with no exports: its job is done by importing it. The batch CLIs' npm scripts
 * (`stats`, `export`, `sample`, `mirror`, `probe`) preload it (`node --import ./scripts/lib/compile-cache.mjs
 * scripts/stats.ts`), so the entry file itself comes from the cache and the process never loads Node's TypeScript
 * stripper (~0.13 s of a stats run's start-up on the bench machine; ~0.23 s of the export CLI's). `npm start` does
 * not: it starts other Node tools, which would inherit `NODE_COMPILE_CACHE`. The stats entry also imports it first
 * thing, for `node scripts/stats.ts` run directly; modules of a static import graph are compiled before any of its
 * code runs, so that entry loads its body with a dynamic `import()` after it.
 */
import { enableCompileCache } from 'node:module'

if (!process.env.NODE_DISABLE_COMPILE_CACHE) {
  const result = enableCompileCache()
  if (result.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = result.directory
}
