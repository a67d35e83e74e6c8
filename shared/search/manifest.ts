/**
 * The manifest of a config's search index: everything a query needs besides postings, in one object. Per row its
 * id; per message its role, word count (BM25's document length), where its text is (slice text object and byte
 * range), its replay step and the tools it involves; the system documents with how many messages share each;
 * the slices and, per slice, how its system documents map to the config's.
 *
 * Document numbers of the final postings: system document d is d; message ordinal m (row-major over every
 * message of the config) is `systemDocs + m`.
 */
import { ByteReader, ByteWriter, MAGIC, readMagic, writeMagic } from './bytes.ts'
import { OTHER_ROLE, type PartialDocs } from './partial.ts'
import { messageSteps } from './rows.ts'

const VERSION = 1

/** A slice of the config as the manifest records it. */
export interface ManifestSlice {
  start: number
  end: number
  /** Per system document of the slice: the config's number for it. */
  sysGlobal: number[]
  /** Per system document of the slice: true when this slice is the first to hold it (its postings are kept). */
  sysOwned: boolean[]
}

/** The decoded manifest. */
export interface SearchManifest {
  shards: number
  slices: ManifestSlice[]
  toolNames: string[]
  /** Per system document: its key (the text object's name), word count and number of messages holding it. */
  sysKeys: string[]
  sysLength: number[]
  sysCount: number[]
  /** Row ids, in row order. */
  ids: string[]
  /** Message ordinal of each row's first message; `rowStart[rows]` is the number of messages. */
  rowStart: Uint32Array
  /** Slice of each row. */
  rowSlice: Uint32Array
  /** Per message ordinal: role code (shared/search/partial.ts ROLE_CODES; 4 = not indexed). */
  role: Uint8Array
  /** Per message: word count (a system message: its system document's). */
  length: Uint32Array
  /** Per message: its system document, or -1. */
  sysOf: Int32Array
  /** Per message: byte offset of its text in its slice's text object (not system messages). */
  textOffset: Float64Array
  /** Per message: UTF-8 bytes of its text (not system messages). */
  textBytes: Uint32Array
  /** Per message: its step in the replay, or -1. */
  step: Int32Array
  /** Per message: its tools, `toolIds[toolStart[m] .. toolStart[m + 1])`. */
  toolStart: Uint32Array
  toolIds: Uint32Array
  /** Per message: its row. */
  rowOf: Uint32Array
  /** Indexed messages (documents for BM25) and their total word count. */
  documents: number
  totalLength: number
}

/** Build the manifest from the docs sections of every slice, in row order. */
export function searchManifestBuild(
  parts: readonly { start: number; end: number; docs: PartialDocs }[],
  shards: number,
): Uint8Array {
  const toolNames = [...new Set(parts.flatMap((p) => p.docs.toolNames))].sort()
  const toolId = new Map(toolNames.map((t, i) => [t, i]))
  const sysByKey = new Map<string, number>()
  const sysKeys: string[] = []
  const sysLength: number[] = []
  const sysCount: number[] = []
  const w = new ByteWriter(1024)
  writeMagic(w, MAGIC.manifest)
  w.varint(VERSION)
  w.varint(shards)
  w.varint(parts.length)
  const sliceMaps: number[][] = []
  for (const p of parts) {
    w.varint(p.start)
    w.varint(p.end)
    w.varint(p.docs.systemDocs.length)
    const map: number[] = []
    for (const s of p.docs.systemDocs) {
      let id = sysByKey.get(s.key)
      const owned = id === undefined
      if (id === undefined) {
        id = sysKeys.length
        sysByKey.set(s.key, id)
        sysKeys.push(s.key)
        sysLength.push(s.length)
        sysCount.push(0)
      }
      map.push(id)
      w.varint(id)
      w.varint(owned ? 1 : 0)
    }
    sliceMaps.push(map)
  }
  for (const [i, p] of parts.entries()) {
    for (const row of p.docs.rows) {
      for (const m of row.messages) {
        const d = m.role === 0 ? sliceMaps[i]?.[m.sys] : undefined
        if (d !== undefined) sysCount[d] = (sysCount[d] ?? 0) + 1
      }
    }
  }
  w.varint(toolNames.length)
  for (const t of toolNames) w.string(t)
  w.varint(sysKeys.length)
  for (const [d, key] of sysKeys.entries()) {
    w.string(key)
    w.varint(sysLength[d] as number)
    w.varint(sysCount[d] as number)
  }
  w.varint(parts.reduce((n, p) => n + p.docs.rows.length, 0))
  for (const [i, p] of parts.entries()) {
    const names = p.docs.toolNames
    for (const row of p.docs.rows) {
      w.string(row.id)
      w.varint(row.messages.length)
      for (const m of row.messages) {
        w.varint(m.role)
        if (m.role === 0) w.varint(sliceMaps[i]?.[m.sys] as number)
        else if (m.role !== OTHER_ROLE) {
          w.varint(m.length)
          w.varint(m.textBytes)
          w.varint(m.tools.length)
          for (const t of m.tools) w.varint(toolId.get(names[t] as string) as number)
        }
      }
    }
  }
  return w.finish()
}

/** Decode a manifest. Throws on a corrupt or foreign object. */
export function searchManifestDecode(bytes: Uint8Array): SearchManifest {
  const r = new ByteReader(bytes)
  readMagic(r, MAGIC.manifest, 'manifest')
  const version = r.varint()
  if (version !== VERSION) throw new Error(`search manifest version ${version}, expected ${VERSION}`)
  const shards = r.varint()
  const slices: ManifestSlice[] = []
  for (let n = r.varint(); n > 0; n--) {
    const slice: ManifestSlice = { start: r.varint(), end: r.varint(), sysGlobal: [], sysOwned: [] }
    for (let s = r.varint(); s > 0; s--) {
      slice.sysGlobal.push(r.varint())
      slice.sysOwned.push(r.varint() === 1)
    }
    slices.push(slice)
  }
  const toolNames: string[] = []
  for (let n = r.varint(); n > 0; n--) toolNames.push(r.string())
  const sysKeys: string[] = []
  const sysLength: number[] = []
  const sysCount: number[] = []
  for (let n = r.varint(); n > 0; n--) {
    sysKeys.push(r.string())
    sysLength.push(r.varint())
    sysCount.push(r.varint())
  }
  const nRows = r.varint()
  const ids: string[] = []
  const rowStart = new Uint32Array(nRows + 1)
  const roles: number[] = []
  const length: number[] = []
  const sysOf: number[] = []
  const textBytes: number[] = []
  const toolStart: number[] = [0]
  const toolIds: number[] = []
  const rowOf: number[] = []
  for (let row = 0; row < nRows; row++) {
    ids.push(r.string())
    rowStart[row] = roles.length
    for (let n = r.varint(); n > 0; n--) {
      const role = r.varint()
      roles.push(role)
      rowOf.push(row)
      if (role === 0) {
        const d = r.varint()
        sysOf.push(d)
        length.push(sysLength[d] ?? 0)
        textBytes.push(0)
      } else {
        sysOf.push(-1)
        if (role !== OTHER_ROLE) {
          length.push(r.varint())
          textBytes.push(r.varint())
          for (let t = r.varint(); t > 0; t--) toolIds.push(r.varint())
        } else {
          length.push(0)
          textBytes.push(0)
        }
      }
      toolStart.push(toolIds.length)
    }
  }
  rowStart[nRows] = roles.length
  const rowSlice = new Uint32Array(nRows)
  const textOffset = new Float64Array(roles.length)
  for (const [i, s] of slices.entries()) {
    let offset = 0
    for (let row = s.start; row < s.end && row < nRows; row++) {
      rowSlice[row] = i
      for (let m = rowStart[row] as number; m < (rowStart[row + 1] as number); m++) {
        textOffset[m] = offset
        offset += textBytes[m] as number
      }
    }
  }
  const step = new Int32Array(roles.length)
  const names = ['system', 'human', 'gpt', 'tool', 'other']
  for (let row = 0; row < nRows; row++) {
    const from = rowStart[row] as number
    const to = rowStart[row + 1] as number
    const steps = messageSteps(roles.slice(from, to).map((c) => names[c] as string))
    for (let m = from; m < to; m++) step[m] = steps[m - from] ?? -1
  }
  let documents = 0
  let totalLength = 0
  for (let m = 0; m < roles.length; m++) {
    if (roles[m] === OTHER_ROLE) continue
    documents++
    totalLength += length[m] as number
  }
  return {
    shards,
    slices,
    toolNames,
    sysKeys,
    sysLength,
    sysCount,
    ids,
    rowStart,
    rowSlice,
    role: Uint8Array.from(roles),
    length: Uint32Array.from(length),
    sysOf: Int32Array.from(sysOf),
    textOffset,
    textBytes: Uint32Array.from(textBytes),
    step,
    toolStart: Uint32Array.from(toolStart),
    toolIds: Uint32Array.from(toolIds),
    rowOf: Uint32Array.from(rowOf),
    documents,
    totalLength,
  }
}

/** Approximate bytes a decoded manifest holds in memory. */
export function searchManifestBytes(m: SearchManifest): number {
  return m.role.length * 40 + m.ids.length * 100 + m.toolIds.length * 4
}
