/**
 * The Worker's environment: bindings and vars generated from wrangler.toml (`npm run types` ->
 * worker-configuration.d.ts), plus the optional secret and the Hono context variables.
 */
import type { DataContext } from './data/context.ts'

/** Bindings: everything in wrangler.toml plus the optional `HF_TOKEN` secret. */
export interface Bindings extends Env {
  /** Hub token (secret). Unset: anonymous requests. */
  HF_TOKEN?: string
  /** Comma-separated extra hosts the Worker may fetch bytes from (tests, mirrors). */
  HF_ALLOWED_HOSTS?: string
}

/** Hono generics of every sub-app. */
export interface AppEnv {
  Bindings: Bindings
  Variables: {
    /** The dataset access layer for this request (resolved lazily). */
    data: DataContext
  }
}
