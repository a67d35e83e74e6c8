/**
 * A dataset repository checked out on disk (the generated sample, or a download of the real one): its card,
 * configs, files and a revision id, the way the Hub would describe them.
 */
import { createHash } from 'node:crypto'
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { basename, dirname, join, relative } from 'node:path'
import { cardIsSample, configsFromCardData, type DatasetConfig } from '../../shared/dataset.ts'
import { parseFrontMatter } from './dataset-card.ts'

/** A local dataset directory, described. */
export interface DatasetDir {
  dir: string
  /** The parsed YAML front matter of README.md (the Hub's `cardData`). */
  cardData: Record<string, unknown>
  configs: DatasetConfig[]
  sample: boolean
}

/** Read `DIR/README.md` and the configs it declares; throws naming the directory when there is no card. */
export async function readDatasetDir(dir: string): Promise<DatasetDir> {
  let card: string
  try {
    card = await readFile(join(dir, 'README.md'), 'utf8')
  } catch {
    throw new Error(
      `no dataset card at ${join(dir, 'README.md')} (run "npm run sample" to generate the sample)`,
    )
  }
  const cardData = parseFrontMatter(card) as Record<string, unknown>
  const configs = configsFromCardData(cardData)
  if (configs.length === 0) throw new Error(`the card in ${dir} declares no parquet configs`)
  return { dir, cardData, configs, sample: cardIsSample(cardData) }
}

/**
 * Every file under `dir` (relative paths, sorted), like the Hub's `siblings`. Symbolic links are followed: a
 * Hugging Face cache snapshot holds links into its `blobs/`.
 */
export async function listDatasetFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue
      const p = join(d, entry.name)
      const kind = entry.isSymbolicLink() ? await stat(p).catch(() => null) : entry
      if (kind?.isDirectory()) await walk(p)
      else if (kind?.isFile()) out.push(relative(dir, p))
    }
  }
  await walk(dir)
  return out.sort()
}

const EDGE = 1 << 20

/**
 * The revision of a dataset directory: the Hub commit of a Hugging Face cache snapshot
 * (`…/datasets--owner--name/snapshots/<sha>`, what `npm run mirror` returns), else a deterministic 40-hex id:
 * sha1 over every file's path, size and its first and last MiB (the parquet footer lives in the tail). Same
 * data, same id: the fake hub serves it as the commit sha, so caches keyed by revision behave as with the real
 * Hub.
 */
export async function datasetDirRevision(dir: string): Promise<string> {
  const name = basename(dir)
  const parent = dirname(dir)
  if (
    /^[0-9a-f]{40}$/.test(name) &&
    basename(parent) === 'snapshots' &&
    /^datasets--/.test(basename(dirname(parent)))
  ) {
    return name
  }
  const hash = createHash('sha1')
  for (const path of await listDatasetFiles(dir)) {
    const full = join(dir, path)
    const { size } = await stat(full)
    hash.update(`${path}\0${size}\0`)
    const fh = await open(full, 'r')
    try {
      const head = Buffer.alloc(Math.min(EDGE, size))
      await fh.read(head, 0, head.length, 0)
      hash.update(head)
      if (size > EDGE) {
        const tail = Buffer.alloc(Math.min(EDGE, size - EDGE))
        await fh.read(tail, 0, tail.length, size - tail.length)
        hash.update(tail)
      }
    } finally {
      await fh.close()
    }
  }
  return hash.digest('hex')
}
