/**
 * R2 as this Worker uses it: every call bounded in time, failures counted, and each caller choosing what a
 * failure means. Cached bytes and traces treat a failed read as a miss (the Hub has them) and a failed write as
 * nothing cached; derived objects whose absence would be misread (stats partials, coverage listings) raise a
 * `StorageError`, which the API answers as 503 with Retry-After, never as a 500.
 */
import type { Traffic } from './shared-work.ts'

/** R2 did not answer, or answered with an error. */
export class StorageError extends Error {
  override name = 'StorageError'
}

const GET_TIMEOUT_MS = 5_000
const PUT_TIMEOUT_MS = 10_000
const LIST_TIMEOUT_MS = 10_000

/** Isolate-wide R2 counters (health). */
export const storageTotals = { gets: 0, hits: 0, puts: 0, errors: 0 }

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageError(`R2 ${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

/** R2 access of one request (or queue invocation), counting into its traffic. */
export class Storage {
  private readonly bucket: R2Bucket
  private readonly traffic: Traffic | undefined

  constructor(bucket: R2Bucket, traffic?: Traffic) {
    this.bucket = bucket
    this.traffic = traffic
  }

  private failed(err: unknown, what: string): StorageError {
    storageTotals.errors++
    if (this.traffic) this.traffic.r2Errors++
    return err instanceof StorageError
      ? err
      : new StorageError(`R2 ${what} failed: ${(err as Error)?.message}`)
  }

  /** Bytes of an object; null when absent. Throws StorageError when R2 fails. */
  async bytesStrict(key: string): Promise<ArrayBuffer | null> {
    storageTotals.gets++
    if (this.traffic) this.traffic.r2Gets++
    try {
      const obj = await withTimeout(this.bucket.get(key), GET_TIMEOUT_MS, `get ${key}`)
      if (!obj) return null
      const bytes = await withTimeout(obj.arrayBuffer(), GET_TIMEOUT_MS, `read ${key}`)
      storageTotals.hits++
      return bytes
    } catch (err) {
      throw this.failed(err, `get ${key}`)
    }
  }

  /** Bytes of an object; null when absent or when R2 fails (a miss: the caller recomputes). */
  async bytes(key: string): Promise<ArrayBuffer | null> {
    try {
      return await this.bytesStrict(key)
    } catch {
      return null
    }
  }

  /** Text of an object (null: absent). `strict`: R2 failures throw instead of reading as a miss. */
  async text(key: string, strict = false): Promise<string | null> {
    const bytes = strict ? await this.bytesStrict(key) : await this.bytes(key)
    return bytes ? new TextDecoder().decode(bytes) : null
  }

  /** Parsed JSON of an object; a corrupt object is a miss (it will be rewritten). */
  async json<T>(key: string, strict = false): Promise<T | null> {
    const text = await this.text(key, strict)
    if (text === null) return null
    try {
      return JSON.parse(text) as T
    } catch {
      return null
    }
  }

  /** Whether an object exists. Throws StorageError when R2 fails. */
  async exists(key: string): Promise<boolean> {
    storageTotals.gets++
    if (this.traffic) this.traffic.r2Gets++
    try {
      return (await withTimeout(this.bucket.head(key), GET_TIMEOUT_MS, `head ${key}`)) !== null
    } catch (err) {
      throw this.failed(err, `head ${key}`)
    }
  }

  /** Store an object; false when R2 failed (nothing is cached, nothing else breaks). */
  async put(key: string, value: string | ArrayBuffer | Uint8Array): Promise<boolean> {
    storageTotals.puts++
    if (this.traffic) this.traffic.r2Puts++
    try {
      await withTimeout(this.bucket.put(key, value), PUT_TIMEOUT_MS, `put ${key}`)
      return true
    } catch (err) {
      this.failed(err, `put ${key}`)
      return false
    }
  }

  /** Store an object or throw StorageError (results whose loss would be misread later). */
  async putStrict(key: string, value: string | ArrayBuffer): Promise<void> {
    if (!(await this.put(key, value))) throw new StorageError(`R2 put ${key} failed`)
  }

  /** Every key under a prefix (paged). Throws StorageError when R2 fails. */
  async list(prefix: string, delimiter?: string): Promise<{ keys: string[]; prefixes: string[] }> {
    const keys: string[] = []
    const prefixes: string[] = []
    let cursor: string | undefined
    try {
      do {
        const page = await withTimeout(
          this.bucket.list({ prefix, cursor, delimiter }),
          LIST_TIMEOUT_MS,
          `list ${prefix}`,
        )
        for (const obj of page.objects) keys.push(obj.key)
        prefixes.push(...(page.delimitedPrefixes ?? []))
        cursor = page.truncated ? page.cursor : undefined
      } while (cursor)
    } catch (err) {
      throw this.failed(err, `list ${prefix}`)
    }
    return { keys, prefixes }
  }

  /** Delete objects (at most 1,000 per call, as R2 allows). */
  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      try {
        await withTimeout(this.bucket.delete(keys.slice(i, i + 1000)), PUT_TIMEOUT_MS, 'delete')
      } catch (err) {
        throw this.failed(err, 'delete')
      }
    }
  }
}
