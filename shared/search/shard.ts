/**
 * A final shard of a config's search index: two objects. The dictionary lists the shard's terms, sorted, each
 * with its document frequency and the sizes of its postings parts; the postings object holds every term's docs
 * part, in dictionary order (the docs region), then every term's positions part (the positions region). A word
 * reads one byte range of the docs region, a prefix one range covering its consecutive terms, a phrase adds
 * ranges of the positions region.
 */
import { ByteReader, ByteWriter, concatBytes, MAGIC, readMagic, writeMagic } from './bytes.ts'
import type { SearchManifest } from './manifest.ts'
import { compareTerms, readTerm, type SectionTerm, sectionTerms, writeTerm } from './partial.ts'
import { type Postings, postingsDecode, postingsEncode } from './postings.ts'

const VERSION = 1

/** A decoded dictionary. Offsets are byte offsets in the postings object. */
export interface SearchDict {
  shard: number
  terms: string[]
  /** Postings (documents) per term. */
  counts: Uint32Array
  /** Docs part of term i: [docsAt[i], docsAt[i + 1]). */
  docsAt: Float64Array
  /** Positions part of term i: [posAt[i], posAt[i + 1]). */
  posAt: Float64Array
}

/** Index of `term` in the dictionary, or -1. */
export function dictLookup(dict: SearchDict, term: string): number {
  const i = lowerBound(dict.terms, term)
  return dict.terms[i] === term ? i : -1
}

/** Terms starting with `prefix`: the index range [from, to). */
export function dictPrefixRange(dict: SearchDict, prefix: string): [number, number] {
  const from = lowerBound(dict.terms, prefix)
  let to = from
  while (to < dict.terms.length && (dict.terms[to] as string).startsWith(prefix)) to++
  return [from, to]
}

function lowerBound(terms: string[], key: string): number {
  let lo = 0
  let hi = terms.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((terms[mid] as string) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Decode a dictionary object. */
export function searchDictDecode(bytes: Uint8Array): SearchDict {
  const r = new ByteReader(bytes)
  readMagic(r, MAGIC.dict, 'dictionary')
  const version = r.varint()
  if (version !== VERSION) throw new Error(`search dictionary version ${version}, expected ${VERSION}`)
  const shard = r.varint()
  const n = r.varint()
  const terms: string[] = new Array(n)
  const counts = new Uint32Array(n)
  const docsLen: number[] = new Array(n)
  const posLen: number[] = new Array(n)
  let prev = ''
  for (let i = 0; i < n; i++) {
    prev = readTerm(r, prev)
    terms[i] = prev
    counts[i] = r.varint()
    docsLen[i] = r.varint()
    posLen[i] = r.varint()
  }
  const docsAt = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) docsAt[i + 1] = (docsAt[i] as number) + (docsLen[i] as number)
  const posAt = new Float64Array(n + 1)
  posAt[0] = docsAt[n] as number
  for (let i = 0; i < n; i++) posAt[i + 1] = (posAt[i] as number) + (posLen[i] as number)
  return { shard, terms, counts, docsAt, posAt }
}

/** Approximate bytes a decoded dictionary holds in memory. */
export function searchDictBytes(d: SearchDict): number {
  let n = d.terms.length * 60
  for (const t of d.terms) n += t.length * 2
  return n
}

/** Encode a final shard from its terms' postings (terms sorted). */
export function searchShardEncode(
  shard: number,
  entries: Iterable<{ term: string; postings: Postings }>,
): { dict: Uint8Array; postings: Uint8Array } {
  const head = new ByteWriter(1024)
  const docs: Uint8Array[] = []
  const positions: Uint8Array[] = []
  let n = 0
  let prev = ''
  for (const { term, postings } of entries) {
    const enc = postingsEncode(postings)
    writeTerm(head, prev, term)
    head.varint(postings.docs.length)
    head.varint(enc.docs.length)
    head.varint(enc.positions.length)
    docs.push(enc.docs)
    positions.push(enc.positions)
    prev = term
    n++
  }
  const dict = new ByteWriter(head.length + 16)
  writeMagic(dict, MAGIC.dict)
  dict.varint(VERSION)
  dict.varint(shard)
  dict.varint(n)
  dict.bytes(head.finish())
  return { dict: dict.finish(), postings: concatBytes([...docs, ...positions]) }
}

/**
 * Merge shard `shard` of every slice (sections in the manifest's slice order) into the final shard: postings of a
 * term are concatenated slice by slice (system documents first, each kept from the slice that owns it), with
 * slice-local numbers turned into the config's document numbers.
 */
export function searchShardMerge(
  manifest: SearchManifest,
  shard: number,
  sections: readonly Uint8Array[],
): { dict: Uint8Array; postings: Uint8Array } {
  if (sections.length !== manifest.slices.length) {
    throw new Error(`shard ${shard}: ${sections.length} sections for ${manifest.slices.length} slices`)
  }
  const systemDocs = manifest.sysKeys.length
  const iters = sections.map((s) => sectionTerms(s))
  const heads: (SectionTerm | null)[] = iters.map((it) => it.next().value ?? null)
  function* merged(): Generator<{ term: string; postings: Postings }> {
    for (;;) {
      let term: string | null = null
      for (const h of heads) if (h && (term === null || compareTerms(h.term, term) < 0)) term = h.term
      if (term === null) return
      const out: Postings = { docs: [], tfs: [], masks: [], codes: [] }
      const parts: { slice: number; t: SectionTerm }[] = []
      for (const [i, h] of heads.entries()) {
        if (h?.term !== term) continue
        parts.push({ slice: i, t: h })
        heads[i] = iters[i]?.next().value ?? null
      }
      for (const { slice, t } of parts) {
        if (t.sys.count === 0) continue
        const p = postingsDecode(t.sys.docs, t.sys.count, t.sys.positions)
        const s = manifest.slices[slice] as (typeof manifest.slices)[number]
        for (let j = 0; j < p.docs.length; j++) {
          const local = p.docs[j] as number
          if (!s.sysOwned[local]) continue
          pushPosting(out, s.sysGlobal[local] as number, p, j)
        }
      }
      for (const { slice, t } of parts) {
        if (t.msg.count === 0) continue
        const p = postingsDecode(t.msg.docs, t.msg.count, t.msg.positions)
        const base =
          systemDocs + (manifest.rowStart[(manifest.slices[slice] as { start: number }).start] as number)
        for (let j = 0; j < p.docs.length; j++) pushPosting(out, base + (p.docs[j] as number), p, j)
      }
      if (out.docs.length > 0) yield { term, postings: out }
    }
  }
  return searchShardEncode(shard, merged())
}

function pushPosting(out: Postings, doc: number, p: Postings, j: number): void {
  out.docs.push(doc)
  out.tfs.push(p.tfs[j] as number)
  out.masks.push(p.masks[j] as number)
  out.codes?.push(p.codes?.[j] ?? [])
}
