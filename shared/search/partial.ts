/**
 * The partial search index of one slice of rows (the stats slices of workers/data/slices.ts), cut into shards.
 *
 * Documents are messages. A system prompt repeats across thousands of rows (a handful of distinct texts per
 * config), so each distinct system text is indexed once, as a "system document" keyed by a hash of its text,
 * and rows point to it; every other message is its own document, numbered by its ordinal in the slice.
 *
 * Object layout (bytes; varints from shared/search/bytes.ts):
 *   magic, version, shards S, docs section length, S section lengths, the docs section, the S sections
 * (the head first: a reader learns every part's byte range from the first few hundred bytes).
 * Docs section: the slice's rows (id; per message its role, system document or word count, UTF-8 text bytes and
 * tools), its tool names and its system documents (key and word count).
 * Section k: the terms of shard k (`searchShardOf`), sorted, each with its system-document postings and its
 * message postings (shared/search/postings.ts, slice-local numbers).
 * The message texts themselves go to a separate text object (snippets read them by byte range).
 */
import { ByteReader, ByteWriter, concatBytes, MAGIC, readMagic, utf8, writeMagic } from './bytes.ts'
import type { SearchRowInput } from './rows.ts'
import { messageTokens, type SearchRole } from './tokenize.ts'

const VERSION = 1

/** Role codes in the index (4: a role the index does not know; such messages are not indexed). */
export const ROLE_CODES: Record<string, number> = { system: 0, human: 1, gpt: 2, tool: 3 }
export const ROLE_NAMES: readonly SearchRole[] = ['system', 'human', 'gpt', 'tool']
export const OTHER_ROLE = 4

/** The shard of a term: a hash of its first two code points, so every word a prefix expands to is in one shard. */
export function searchShardOf(term: string, shards: number): number {
  let h = 0x811c9dc5
  let cps = 0
  for (const ch of term) {
    for (let i = 0; i < ch.length; i++) {
      h ^= ch.charCodeAt(i)
      h = Math.imul(h, 0x01000193)
    }
    if (++cps === 2) break
  }
  return (h >>> 0) % shards
}

/** A 53-bit hash of a text (cyrb53), with its length: the key of a system document. */
export function systemTextKey(text: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0)
  return `${hash.toString(36)}-${text.length.toString(36)}`
}

/** The postings of one term in one document space, as they are appended. */
interface Space {
  docs: ByteWriter
  positions: ByteWriter
  count: number
  last: number
}

interface TermAcc {
  sys?: Space
  msg?: Space
  /** The document being indexed when this term was last seen, its codes and field mask there. */
  doc: number
  codes: number[]
  mask: number
}

function append(space: Space, doc: number, codes: number[], mask: number): void {
  space.docs.varint(space.count === 0 ? doc : doc - space.last)
  space.docs.varint((codes.length << 3) | mask)
  let prev = 0
  for (let j = 0; j < codes.length; j++) {
    const c = codes[j] as number
    space.positions.varint(j === 0 ? c : c - prev)
    prev = c
  }
  space.last = doc
  space.count++
}

function newSpace(): Space {
  return { docs: new ByteWriter(16), positions: new ByteWriter(32), count: 0, last: 0 }
}

/** What a slice's build produces. */
export interface SearchPartialBuild {
  /** The partial index (docs section + shard sections). */
  partial: Uint8Array
  /** The UTF-8 texts of the slice's indexed non-system messages, concatenated in order. */
  text: Uint8Array
  /** Each distinct system text of the slice by its key (stored once per config, not per slice). */
  systemTexts: Map<string, string>
}

/** Tokenise one document and append its postings to the accumulators; returns its word count. */
function indexDocument(
  terms: Map<string, TermAcc>,
  space: 'sys' | 'msg',
  doc: number,
  role: SearchRole,
  text: string,
): number {
  const tokens = messageTokens(role, text)
  const touched: TermAcc[] = []
  // A document number unique across both spaces, so a term's "current document" is never ambiguous.
  const key = space === 'sys' ? -1 - doc : doc
  for (let i = 0; i < tokens.terms.length; i++) {
    const term = tokens.terms[i] as string
    const field = tokens.fields[i] as number
    let acc = terms.get(term)
    if (!acc) {
      acc = { doc: Number.NaN, codes: [], mask: 0 }
      terms.set(term, acc)
    }
    if (acc.doc !== key) {
      acc.doc = key
      acc.codes = []
      acc.mask = 0
      touched.push(acc)
    }
    acc.codes.push(((tokens.positions[i] as number) << 2) | field)
    acc.mask |= 1 << field
  }
  for (const acc of touched) {
    let s = acc[space]
    if (!s) {
      s = newSpace()
      acc[space] = s
    }
    append(s, doc, acc.codes, acc.mask)
    acc.codes = []
  }
  return tokens.length
}

/** Build the partial index of a slice's rows, in row order. */
export function searchPartialBuild(rows: readonly SearchRowInput[], shards: number): SearchPartialBuild {
  const terms = new Map<string, TermAcc>()
  const docs = new ByteWriter(rows.length * 64)
  const texts: Uint8Array[] = []
  const toolIds = new Map<string, number>()
  const sysIds = new Map<string, number>()
  const sysLengths: number[] = []
  const systemTexts = new Map<string, string>()
  const rowsOut = new ByteWriter(rows.length * 64)
  let ordinal = 0
  for (const row of rows) {
    rowsOut.string(row.id)
    rowsOut.varint(row.messages.length)
    for (const [i, m] of row.messages.entries()) {
      const code = ROLE_CODES[m.from] ?? OTHER_ROLE
      rowsOut.varint(code)
      if (code === 0) {
        const key = systemTextKey(m.value)
        let id = sysIds.get(key)
        if (id === undefined) {
          id = sysIds.size
          sysIds.set(key, id)
          systemTexts.set(key, m.value)
          sysLengths.push(indexDocument(terms, 'sys', id, 'system', m.value))
        }
        rowsOut.varint(id)
      } else if (code !== OTHER_ROLE) {
        const length = indexDocument(terms, 'msg', ordinal, m.from as SearchRole, m.value)
        const bytes = utf8(m.value)
        texts.push(bytes)
        rowsOut.varint(length)
        rowsOut.varint(bytes.length)
        const tools = row.tools[i] ?? []
        rowsOut.varint(tools.length)
        for (const t of tools) {
          let id = toolIds.get(t)
          if (id === undefined) {
            id = toolIds.size
            toolIds.set(t, id)
          }
          rowsOut.varint(id)
        }
      }
      ordinal++
    }
  }
  docs.varint(rows.length)
  docs.varint(toolIds.size)
  for (const name of toolIds.keys()) docs.string(name)
  docs.varint(sysIds.size)
  for (const [key, id] of sysIds) {
    docs.string(key)
    docs.varint(sysLengths[id] as number)
  }
  docs.bytes(rowsOut.finish())

  // Shard sections: terms sorted (UTF-16 code unit order, the order prefix ranges rely on).
  const byShard: string[][] = Array.from({ length: shards }, () => [])
  for (const term of terms.keys()) byShard[searchShardOf(term, shards)]?.push(term)
  const sections = byShard.map((list) => {
    list.sort(compareTerms)
    const w = new ByteWriter(64)
    w.varint(list.length)
    let prev = ''
    for (const term of list) {
      writeTerm(w, prev, term)
      prev = term
      const acc = terms.get(term) as TermAcc
      const parts = [acc.sys, acc.msg]
      for (const s of parts) w.varint(s?.count ?? 0)
      for (const s of parts) {
        w.varint(s?.docs.length ?? 0)
        w.varint(s?.positions.length ?? 0)
      }
      for (const s of parts) {
        if (!s) continue
        w.bytes(s.docs.finish())
        w.bytes(s.positions.finish())
      }
    }
    return w.finish()
  })
  const head = new ByteWriter(64)
  writeMagic(head, MAGIC.partial)
  head.varint(VERSION)
  head.varint(shards)
  const docBytes = docs.finish()
  head.varint(docBytes.length)
  for (const s of sections) head.varint(s.length)
  return {
    partial: concatBytes([head.finish(), docBytes, ...sections]),
    text: concatBytes(texts),
    systemTexts,
  }
}

/** Code-unit order of terms (JavaScript's default string order), the order of every term list. */
export function compareTerms(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Prefix-compressed term: code units shared with the previous term, then the rest (never splitting a pair). */
export function writeTerm(w: ByteWriter, prev: string, term: string): void {
  let shared = 0
  const max = Math.min(prev.length, term.length)
  while (shared < max && prev.charCodeAt(shared) === term.charCodeAt(shared)) shared++
  const c = term.charCodeAt(shared - 1)
  if (shared > 0 && c >= 0xd800 && c <= 0xdbff) shared--
  w.varint(shared)
  w.string(term.slice(shared))
}

/** Read a term written by `writeTerm`. */
export function readTerm(r: ByteReader, prev: string): string {
  const shared = r.varint()
  return prev.slice(0, shared) + r.string()
}

/** A system document of a slice. */
export interface PartialSystemDoc {
  key: string
  length: number
}

/** One message of a slice's docs section. */
export interface PartialMessage {
  role: number
  /** System messages: the slice's system document number. */
  sys: number
  /** Word count (not for system messages: see the system document). */
  length: number
  textBytes: number
  tools: number[]
}

/** The docs section of a partial, decoded. */
export interface PartialDocs {
  toolNames: string[]
  systemDocs: PartialSystemDoc[]
  rows: { id: string; messages: PartialMessage[] }[]
}

/** Where the parts of a partial object are (byte ranges). */
export interface PartialLayout {
  shards: number
  docs: [number, number]
  sections: [number, number][]
}

/** Bytes enough to hold the head of a partial with up to 64 shards (magic, version, sizes). */
export const PARTIAL_HEAD_BYTES = 4 + 3 * 5 + 64 * 5

/**
 * The byte ranges of a partial's docs section and shard sections, from its head (the first
 * `PARTIAL_HEAD_BYTES` bytes are enough: a range read need not fetch the whole object).
 */
export function partialLayout(bytes: Uint8Array): PartialLayout {
  const r = new ByteReader(bytes)
  readMagic(r, MAGIC.partial, 'partial')
  const version = r.varint()
  if (version !== VERSION) throw new Error(`search partial version ${version}, expected ${VERSION}`)
  const shards = r.varint()
  const docsLength = r.varint()
  const lengths: number[] = []
  for (let k = 0; k < shards; k++) lengths.push(r.varint())
  const docs: [number, number] = [r.pos, r.pos + docsLength]
  let at = docs[1]
  const sections = lengths.map((n) => {
    const range: [number, number] = [at, at + n]
    at += n
    return range
  })
  return { shards, docs, sections }
}

/** Decode a docs section. */
export function partialDocsDecode(bytes: Uint8Array): PartialDocs {
  const r = new ByteReader(bytes)
  const nRows = r.varint()
  const toolNames: string[] = []
  for (let n = r.varint(); n > 0; n--) toolNames.push(r.string())
  const systemDocs: PartialSystemDoc[] = []
  for (let n = r.varint(); n > 0; n--) systemDocs.push({ key: r.string(), length: r.varint() })
  const rows: PartialDocs['rows'] = []
  for (let i = 0; i < nRows; i++) {
    const id = r.string()
    const messages: PartialMessage[] = []
    for (let n = r.varint(); n > 0; n--) {
      const role = r.varint()
      const m: PartialMessage = { role, sys: -1, length: 0, textBytes: 0, tools: [] }
      if (role === 0) m.sys = r.varint()
      else if (role !== OTHER_ROLE) {
        m.length = r.varint()
        m.textBytes = r.varint()
        for (let t = r.varint(); t > 0; t--) m.tools.push(r.varint())
      }
      messages.push(m)
    }
    rows.push({ id, messages })
  }
  return { toolNames, systemDocs, rows }
}

/** One term of a shard section: its postings bytes in both document spaces. */
export interface SectionTerm {
  term: string
  sys: { count: number; docs: Uint8Array; positions: Uint8Array }
  msg: { count: number; docs: Uint8Array; positions: Uint8Array }
}

/** Iterate the terms of a shard section, in order. */
export function* sectionTerms(bytes: Uint8Array): Generator<SectionTerm> {
  const r = new ByteReader(bytes)
  if (bytes.length === 0) return
  let prev = ''
  for (let n = r.varint(); n > 0; n--) {
    const term = readTerm(r, prev)
    prev = term
    const sysCount = r.varint()
    const msgCount = r.varint()
    const sd = r.varint()
    const sp = r.varint()
    const md = r.varint()
    const mp = r.varint()
    const sys = { count: sysCount, docs: r.bytes(sd), positions: r.bytes(sp) }
    const msg = { count: msgCount, docs: r.bytes(md), positions: r.bytes(mp) }
    yield { term, sys, msg }
  }
}
