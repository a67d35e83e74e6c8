/**
 * The repository the Hub stand-in serves: its files (hashed like git and git-lfs do), its commit sha, its card
 * data, and the JSON the Hub's API answers about it (dataset info, tree listing, paths-info).
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { type CardData, parseFrontMatter } from '../../lib/dataset-card.ts'
import { datasetDirRevision } from '../../lib/dataset-dir.ts'

/** One file of the served repository. */
export interface FakeHubFile {
  /** Path in the repository, `/`-separated (`data/kimi/train.parquet`). */
  path: string
  size: number
  /** Hex sha256 of the content (the LFS oid; the CDN's and `X-Linked-Etag`'s ETag). */
  sha256: string
  /** Git blob id: sha1 of the LFS pointer for LFS files, of the content otherwise (the resolve `ETag`). */
  blobId: string
  /** Stored in LFS: resolve answers with a redirect to the CDN. */
  lfs: boolean
}

/** A served repository. */
export interface HubRepo {
  /** `owner/name`. */
  name: string
  /** Commit sha of the served revision. */
  sha: string
  /** Files sorted by path. */
  files: FakeHubFile[]
  byPath: Map<string, FakeHubFile>
  /** Parsed YAML front matter of README.md (`cardData`). */
  card: CardData
}

/** Fixed metadata: the fake hub must answer the same bytes for the same files. */
const LAST_MODIFIED = '2026-03-20T12:00:00.000Z'
const CREATED_AT = '2026-03-12T09:00:00.000Z'
const COMMIT_TITLE = 'Upload dataset'
/** Files the Hub's default `.gitattributes` puts in LFS; git refuses anything above 10 MiB without LFS. */
const LFS_EXTENSIONS =
  /\.(?:parquet|arrow|avro|bin|bz2|ckpt|ftz|gz|h5|joblib|lz4|mlmodel|model|msgpack|npy|npz|onnx|ot|pb|pickle|pkl|pt|pth|rar|safetensors|tar|tflite|tgz|wasm|xz|zip|zst|jpg|jpeg|png|webp|mp3|wav|mp4)$/i
const LFS_MIN_SIZE = 10 * 1024 * 1024

/**
 * Read `root` as repository `name`: hash every file, take the commit sha (`revision`, else the same id
 * `npm run stats` records for a local directory, so local and served stats share a revision) and the card.
 */
export async function loadRepo(root: string, name: string, revision?: string): Promise<HubRepo> {
  const files = await listRepoFiles(root)
  const byPath = new Map(files.map((f) => [f.path, f]))
  const sha = revision ?? (await datasetDirRevision(root))
  const card = await readCard(root, byPath.has('README.md'))
  return { name, sha, files, byPath, card }
}

/** `GET /api/datasets/{repo}[/revision/{rev}]`: `?blobs=true` adds sizes and LFS info; `expand` narrows. */
export function datasetInfoJson(repo: HubRepo, query: URLSearchParams): Record<string, unknown> {
  const { files, card } = repo
  const blobs = query.get('blobs') === 'true'
  const siblings = files.map((f) =>
    blobs
      ? {
          rfilename: f.path,
          blobId: f.blobId,
          size: f.size,
          ...(f.lfs ? { lfs: { sha256: f.sha256, size: f.size, pointerSize: lfsPointer(f).length } } : {}),
        }
      : { rfilename: f.path },
  )
  const [author = ''] = repo.name.split('/')
  const full: Record<string, unknown> = {
    _id: createHash('sha1').update(`dataset:${repo.name}`).digest('hex').slice(0, 24),
    id: repo.name,
    author,
    sha: repo.sha,
    lastModified: LAST_MODIFIED,
    private: false,
    gated: false,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: cardTags(card, files),
    createdAt: CREATED_AT,
    description: typeof card.pretty_name === 'string' ? card.pretty_name : '',
    cardData: card,
    siblings,
    usedStorage: files.reduce((n, f) => n + f.size, 0),
  }
  const expand = [...query.getAll('expand'), ...query.getAll('expand[]')]
  if (expand.length === 0) return full
  // With expand the Hub returns only the asked fields (plus ids); we always keep what our client needs.
  const keep = new Set(['_id', 'id', 'sha', 'siblings', 'cardData', ...expand])
  return Object.fromEntries(Object.entries(full).filter(([k]) => keep.has(k)))
}

/** A tree / paths-info entry, as the Hub's API shapes it. */
export type TreeEntry = Record<string, unknown> & { type: 'file' | 'directory'; path: string }

function lastCommit(repo: HubRepo): Record<string, string> {
  return { id: repo.sha, title: COMMIT_TITLE, date: LAST_MODIFIED }
}

function fileEntry(repo: HubRepo, f: FakeHubFile, expand: boolean): TreeEntry {
  return {
    type: 'file',
    oid: f.blobId,
    size: f.size,
    ...(f.lfs ? { lfs: { oid: f.sha256, size: f.size, pointerSize: lfsPointer(f).length } } : {}),
    path: f.path,
    ...(expand ? { lastCommit: lastCommit(repo), securityFileStatus: { status: 'safe' } } : {}),
  }
}

function directoryEntry(repo: HubRepo, path: string, expand: boolean): TreeEntry {
  // A stable stand-in for the git tree id: the same files give the same id.
  const oid = createHash('sha1')
    .update(`tree ${path}\0`)
    .update(
      repo.files
        .filter((f) => f.path.startsWith(`${path}/`))
        .map((f) => `${f.path}\0${f.blobId}`)
        .join('\n'),
    )
    .digest('hex')
  return { type: 'directory', oid, size: 0, path, ...(expand ? { lastCommit: lastCommit(repo) } : {}) }
}

/** Directories implied by the file paths, sorted. */
function directories(repo: HubRepo): string[] {
  const dirs = new Set<string>()
  for (const f of repo.files) {
    const parts = f.path.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  return [...dirs].sort()
}

/**
 * `GET /api/datasets/{repo}/tree/{rev}[/{path}]?recursive=&expand=`: the entries under `path` (the root when
 * empty), directories first at each level like the Hub; null when `path` is neither a directory nor a file.
 */
export function treeEntries(
  repo: HubRepo,
  path: string,
  recursive: boolean,
  expand: boolean,
): TreeEntry[] | null {
  const dirs = directories(repo)
  if (path !== '' && !dirs.includes(path)) return null
  const prefix = path === '' ? '' : `${path}/`
  const childDepth = path === '' ? 1 : path.split('/').length + 1
  const within = (p: string) => p.startsWith(prefix) && (recursive || p.split('/').length === childDepth)
  return [
    ...dirs.filter(within).map((d) => directoryEntry(repo, d, expand)),
    ...repo.files.filter((f) => within(f.path)).map((f) => fileEntry(repo, f, expand)),
  ]
}

/** `POST /api/datasets/{repo}/paths-info/{rev}`: entries of the asked paths that exist, in the asked order. */
export function pathsInfoEntries(repo: HubRepo, paths: readonly string[], expand: boolean): TreeEntry[] {
  const dirs = new Set(directories(repo))
  const out: TreeEntry[] = []
  for (const path of paths) {
    const file = repo.byPath.get(path)
    if (file) out.push(fileEntry(repo, file, expand))
    else if (dirs.has(path)) out.push(directoryEntry(repo, path, expand))
  }
  return out
}

/** Every regular file under `root` (skipping `.git/`), hashed, sorted by path. */
async function listRepoFiles(root: string): Promise<FakeHubFile[]> {
  const info = await stat(root).catch(() => null)
  if (!info?.isDirectory()) throw new Error(`fake hub: ${root} is not a directory`)
  const entries = await readdir(root, { withFileTypes: true, recursive: true })
  const files: FakeHubFile[] = []
  for (const entry of entries) {
    const abs = join(entry.parentPath, entry.name)
    const path = relative(root, abs).split(sep).join('/')
    if (path.split('/').includes('.git')) continue
    if (!entry.isFile() && !(entry.isSymbolicLink() && (await stat(abs)).isFile())) continue
    files.push(await hashFile(abs, path))
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** sha256 and git blob sha1 in one streaming pass. */
async function hashFile(abs: string, path: string): Promise<FakeHubFile> {
  const { size } = await stat(abs)
  const sha256 = createHash('sha256')
  const gitBlob = createHash('sha1').update(`blob ${size}\0`)
  for await (const chunk of createReadStream(abs)) {
    sha256.update(chunk as Buffer)
    gitBlob.update(chunk as Buffer)
  }
  const file: FakeHubFile = {
    path,
    size,
    sha256: sha256.digest('hex'),
    blobId: gitBlob.digest('hex'),
    lfs: LFS_EXTENSIONS.test(path) || size > LFS_MIN_SIZE,
  }
  if (file.lfs) {
    // In git an LFS file is its pointer: the blob id is the pointer's.
    const pointer = lfsPointer(file)
    file.blobId = createHash('sha1').update(`blob ${pointer.length}\0`).update(pointer).digest('hex')
  }
  return file
}

/** The Git LFS pointer file of `file` (git-lfs spec v1). */
export function lfsPointer(file: { sha256: string; size: number }): Buffer {
  return Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${file.size}\n`,
  )
}

async function readCard(root: string, present: boolean): Promise<CardData> {
  if (!present) return {}
  const text = await readFile(join(root, 'README.md'), 'utf8')
  try {
    return parseFrontMatter(text)
  } catch (err) {
    throw new Error(`fake hub: cannot parse the YAML front matter of README.md: ${(err as Error).message}`)
  }
}

/** The Hub's `tags`: the card's own tags, then tags derived from card fields and files. */
function cardTags(card: CardData, files: readonly FakeHubFile[]): string[] {
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]
  const tags = [...list(card.tags)]
  for (const field of ['task_categories', 'task_ids', 'language', 'license', 'size_categories']) {
    for (const v of list(card[field])) tags.push(`${field}:${v}`)
  }
  if (files.some((f) => f.path.endsWith('.parquet'))) tags.push('format:parquet')
  tags.push('library:datasets', 'region:us')
  return [...new Set(tags)]
}

export function contentType(path: string): string {
  if (path.endsWith('.json')) return 'application/json'
  if (/(?:\.md|\.txt|\.csv|\.ya?ml|\.py|^\.gitattributes|\/\.gitattributes)$/.test(path)) {
    return 'text/plain; charset=utf-8'
  }
  return 'application/octet-stream'
}
