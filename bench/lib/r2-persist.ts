/**
 * What a local R2 bucket of `wrangler dev --persist-to DIR` holds, read from the directory itself (no route of the
 * Worker lists it). Miniflare keeps each bucket's object list in a SQLite database,
 * `DIR/v3/r2/miniflare-R2BucketObject/<hash>.sqlite` (table `_mf_objects`: key, size, …; one database per
 * bucket, `metadata.sqlite` beside them is the Durable Object's own), and the bytes in `DIR/v3/r2/<bucket>/blobs`.
 * Read it while wrangler is stopped (or between writes): the list is then final.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

/** One stored object. */
export interface R2PersistObject {
  key: string
  size: number
}

/** Every object of every local bucket under `persistDir` (sizes as R2 reports them), and the blobs' bytes. */
export function r2PersistObjects(persistDir: string): { objects: R2PersistObject[]; blobBytes: number } {
  const root = join(persistDir, 'v3/r2')
  const listDir = join(root, 'miniflare-R2BucketObject')
  const objects: R2PersistObject[] = []
  for (const name of readdirSync(listDir)) {
    if (!name.endsWith('.sqlite') || name === 'metadata.sqlite') continue
    const db = new DatabaseSync(join(listDir, name), { readOnly: true })
    try {
      for (const row of db.prepare('SELECT key, size FROM _mf_objects').all())
        objects.push({ key: String(row.key), size: Number(row.size) })
    } finally {
      db.close()
    }
  }
  let blobBytes = 0
  for (const bucket of readdirSync(root)) {
    const blobs = join(root, bucket, 'blobs')
    if (bucket.startsWith('miniflare-')) continue
    try {
      for (const blob of readdirSync(blobs)) blobBytes += statSync(join(blobs, blob)).size
    } catch {
      // a bucket directory without blobs
    }
  }
  return { objects, blobBytes }
}
