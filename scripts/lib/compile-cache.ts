/**
 * Node's on-disk compile cache for the CLIs: the second run of a CLI loads its modules' compiled code instead of
 * stripping and compiling every TypeScript module again (about 0.2 s of a stats run's start-up here, and as much
 * again for each of its worker threads). The cache sits in the system's temporary directory, keyed by each
 * module's content, so an edited module is compiled afresh.
 *
 * Modules of a static import graph are compiled before any of its code runs: a CLI entry calls `useCompileCache`
 * and then loads its body with a dynamic `import()`. Worker threads started later find the directory in
 * `NODE_COMPILE_CACHE`. `NODE_DISABLE_COMPILE_CACHE=1` turns it off (Node's own switch).
 */
import { enableCompileCache } from 'node:module'

/** Turn the compile cache on for this process and the worker threads it starts. */
export function useCompileCache(): void {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return
  const result = enableCompileCache()
  if (result.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = result.directory
}
