/**
 * Postings of one term: the documents (messages) holding it, ascending, each with its term frequency, a mask of
 * the fields it occurs in (bit 0: the message's main field, bit 1: think, bit 2: call) and its positions.
 *
 * Bytes: a docs part, `(doc delta, tf << 3 | mask)` varint pairs, then a positions part, per document its `tf`
 * codes `position << 2 | field code` delta-coded (ascending within a document). A word query reads only the
 * docs part; a phrase also reads the positions.
 */
import { ByteReader, ByteWriter } from './bytes.ts'

/** Decoded postings (the docs part; `codes` only when the positions were read). */
export interface Postings {
  docs: number[]
  tfs: number[]
  masks: number[]
  /** Per document, its `position << 2 | field` codes (present when decoded with positions). */
  codes?: number[][]
}

/** Encode postings into their docs and positions parts. */
export function postingsEncode(p: Postings): { docs: Uint8Array; positions: Uint8Array } {
  const d = new ByteWriter(p.docs.length * 2 + 8)
  const w = new ByteWriter(p.docs.length * 4 + 8)
  let last = 0
  for (let i = 0; i < p.docs.length; i++) {
    const doc = p.docs[i] as number
    d.varint(i === 0 ? doc : doc - last)
    d.varint(((p.tfs[i] as number) << 3) | (p.masks[i] as number))
    last = doc
    const codes = p.codes?.[i] ?? []
    let prev = 0
    for (const [j, c] of codes.entries()) {
      w.varint(j === 0 ? c : c - prev)
      prev = c
    }
  }
  return { docs: d.finish(), positions: w.finish() }
}

/** Decode a docs part of `count` postings (and its positions part when given). */
export function postingsDecode(docsBytes: Uint8Array, count: number, positions?: Uint8Array): Postings {
  const r = new ByteReader(docsBytes)
  const out: Postings = { docs: new Array(count), tfs: new Array(count), masks: new Array(count) }
  let doc = 0
  for (let i = 0; i < count; i++) {
    doc = i === 0 ? r.varint() : doc + r.varint()
    const tm = r.varint()
    out.docs[i] = doc
    out.tfs[i] = Math.floor(tm / 8)
    out.masks[i] = tm & 7
  }
  if (positions) {
    const pr = new ByteReader(positions)
    const codes: number[][] = new Array(count)
    for (let i = 0; i < count; i++) {
      const tf = out.tfs[i] as number
      const list: number[] = new Array(tf)
      let c = 0
      for (let j = 0; j < tf; j++) {
        c = j === 0 ? pr.varint() : c + pr.varint()
        list[j] = c
      }
      codes[i] = list
    }
    out.codes = codes
  }
  return out
}

/** Count the postings of a docs part (two varints each). */
export function postingsCount(docsBytes: Uint8Array): number {
  let n = 0
  for (const b of docsBytes) if (b < 0x80) n++
  return n / 2
}
