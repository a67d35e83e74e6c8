/**
 * Query evaluation over the final index of one or more configs: read the postings of each term, keep the
 * messages holding every term (AND), apply the filters, rank with BM25 (k1 = 1.2, b = 0.75).
 *
 * Documents are messages. A system document stands for every message holding that system text: it counts that
 * many times in document frequencies, and a match expands to each of those messages. Document frequencies,
 * the document count and the average length are those of the configs searched (every config, or the one asked
 * for), before the role, tool and error filters. The idf is Lucene's, ln(1 + (N - df + 0.5) / (df + 0.5)); a
 * phrase and a prefix are each one term whose df is the number of messages holding it (any expansion of the
 * prefix; the whole phrase), so every term's weight is exact.
 */
import type { SearchManifest } from './manifest.ts'
import { OTHER_ROLE, ROLE_NAMES, searchShardOf } from './partial.ts'
import { type Postings, postingsDecode } from './postings.ts'
import type { QueryTerm } from './query.ts'
import { dictLookup, dictPrefixRange, type SearchDict } from './shard.ts'
import { fieldOf, SEARCH_FIELDS, type SearchField, type SearchRole } from './tokenize.ts'

export const BM25_K1 = 1.2
export const BM25_B = 0.75
/** Most postings bytes one query may read per config (a broader prefix is refused). */
export const MAX_QUERY_POSTINGS_BYTES = 48 * 2 ** 20

/** Where a config's index is read from (R2 in the Worker; memory in tests). */
export interface SearchSource {
  manifest: SearchManifest
  dict(shard: number): Promise<SearchDict>
  /** Bytes [from, to) of a shard's postings object. */
  read(shard: number, from: number, to: number): Promise<Uint8Array>
}

/** The query is too broad to answer (a prefix matching too much); the API answers 400 naming `q`. */
export class SearchTooBroadError extends Error {
  override name = 'SearchTooBroadError'
}

/** Per term, the documents holding it with their tf and field mask (local codes, shared/search/postings.ts). */
interface TermDocs {
  docs: number[]
  tfs: number[]
  masks: number[]
}

const EMPTY: TermDocs = { docs: [], tfs: [], masks: [] }

async function termDocs(source: SearchSource, term: QueryTerm, budget: { bytes: number }): Promise<TermDocs> {
  const shards = source.manifest.shards
  const charge = (n: number, what: string) => {
    budget.bytes -= n
    if (budget.bytes < 0) {
      throw new SearchTooBroadError(`${what} matches too much of the index to search; make it more specific`)
    }
  }
  if (term.kind === 'word') {
    const shard = searchShardOf(term.text, shards)
    const dict = await source.dict(shard)
    const i = dictLookup(dict, term.text)
    if (i < 0) return EMPTY
    const from = dict.docsAt[i] as number
    const to = dict.docsAt[i + 1] as number
    charge(to - from, `"${term.text}"`)
    return postingsDecode(await source.read(shard, from, to), dict.counts[i] as number)
  }
  if (term.kind === 'prefix') {
    const shard = searchShardOf(term.prefix, shards)
    const dict = await source.dict(shard)
    const [lo, hi] = dictPrefixRange(dict, term.prefix)
    if (lo === hi) return EMPTY
    const base = dict.docsAt[lo] as number
    charge((dict.docsAt[hi] as number) - base, `"${term.text}"`)
    const bytes = await source.read(shard, base, dict.docsAt[hi] as number)
    const merged = new Map<number, { tf: number; mask: number }>()
    for (let i = lo; i < hi; i++) {
      const part = bytes.subarray((dict.docsAt[i] as number) - base, (dict.docsAt[i + 1] as number) - base)
      const p = postingsDecode(part, dict.counts[i] as number)
      for (let j = 0; j < p.docs.length; j++) {
        const doc = p.docs[j] as number
        const e = merged.get(doc)
        if (e) {
          e.tf += p.tfs[j] as number
          e.mask |= p.masks[j] as number
        } else merged.set(doc, { tf: p.tfs[j] as number, mask: p.masks[j] as number })
      }
    }
    const docs = [...merged.keys()].sort((a, b) => a - b)
    return {
      docs,
      tfs: docs.map((d) => (merged.get(d) as { tf: number }).tf),
      masks: docs.map((d) => (merged.get(d) as { mask: number }).mask),
    }
  }
  // A phrase: the documents holding every word, where the words occur at consecutive positions.
  const lists: Postings[] = []
  for (const word of term.words) {
    const shard = searchShardOf(word, shards)
    const dict = await source.dict(shard)
    const i = dictLookup(dict, word)
    if (i < 0) return EMPTY
    const d0 = dict.docsAt[i] as number
    const d1 = dict.docsAt[i + 1] as number
    const p0 = dict.posAt[i] as number
    const p1 = dict.posAt[i + 1] as number
    charge(d1 - d0 + p1 - p0, `"${term.text}"`)
    const [docs, positions] = await Promise.all([source.read(shard, d0, d1), source.read(shard, p0, p1)])
    lists.push(postingsDecode(docs, dict.counts[i] as number, positions))
  }
  const out: TermDocs = { docs: [], tfs: [], masks: [] }
  const at = lists.map(() => 0)
  const first = lists[0] as Postings
  for (let j0 = 0; j0 < first.docs.length; j0++) {
    const doc = first.docs[j0] as number
    const idx: number[] = [j0]
    let all = true
    for (let w = 1; w < lists.length; w++) {
      const l = lists[w] as Postings
      let j = at[w] as number
      while (j < l.docs.length && (l.docs[j] as number) < doc) j++
      at[w] = j
      if (l.docs[j] !== doc) {
        all = false
        break
      }
      idx.push(j)
    }
    if (!all) continue
    const sets = idx.slice(1).map((j, w) => new Set((lists[w + 1] as Postings).codes?.[j] ?? []))
    let tf = 0
    let mask = 0
    for (const code of first.codes?.[j0] ?? []) {
      const field = code & 3
      const pos = code >> 2
      if (sets.every((s, w) => s.has(((pos + w + 1) << 2) | field))) {
        tf++
        mask |= 1 << field
      }
    }
    if (tf > 0) {
      out.docs.push(doc)
      out.tfs.push(tf)
      out.masks.push(mask)
    }
  }
  return out
}

/** Global field bits (index in SEARCH_FIELDS) of a local mask in a message of `role`. */
function fieldBits(role: SearchRole, mask: number): number {
  let bits = 0
  for (let code = 0; code < 3; code++) {
    if (mask & (1 << code)) bits |= 1 << SEARCH_FIELDS.indexOf(fieldOf(role, code))
  }
  return bits
}

/** Filters applied to each matching message. */
export interface SearchFilters {
  /** Fields: a message matches when at least one of its matched terms occurs in one of them. */
  fields?: ReadonlySet<SearchField>
  /** A tool the message must involve. */
  tool?: string
  /** Rows to keep (the `error` filter over the row summaries), by row number. */
  rowFilter?: (config: string, row: number) => boolean
}

/** One matching message, ranked. */
export interface RankedHit {
  config: string
  row: number
  id: string
  message: number
  role: SearchRole
  step: number | null
  score: number
  /** Global field bits (SEARCH_FIELDS order) where matched terms occur. */
  fields: number
}

/** The systems documents of a manifest: messages holding each (computed once per manifest). */
const sysMessages = new WeakMap<SearchManifest, number[][]>()
function messagesOfSystemDoc(m: SearchManifest): number[][] {
  let lists = sysMessages.get(m)
  if (!lists) {
    lists = m.sysKeys.map(() => [])
    for (let msg = 0; msg < m.sysOf.length; msg++) {
      const d = m.sysOf[msg] as number
      if (d >= 0) lists[d]?.push(msg)
    }
    sysMessages.set(m, lists)
  }
  return lists
}

/**
 * Every message of the configs matching all terms and the filters, ranked (score descending, then config, id,
 * message ascending).
 */
export async function searchRun(
  configs: readonly { config: string; source: SearchSource }[],
  terms: readonly QueryTerm[],
  filters: SearchFilters = {},
): Promise<RankedHit[]> {
  const perConfig = await Promise.all(
    configs.map(async ({ config, source }) => {
      const budget = { bytes: MAX_QUERY_POSTINGS_BYTES }
      const lists = await Promise.all(terms.map((t) => termDocs(source, t, budget)))
      return { config, manifest: source.manifest, lists }
    }),
  )
  // Collection statistics over the configs searched.
  let documents = 0
  let totalLength = 0
  const df = terms.map(() => 0)
  for (const { manifest, lists } of perConfig) {
    documents += manifest.documents
    totalLength += manifest.totalLength
    const systemDocs = manifest.sysKeys.length
    for (const [t, list] of lists.entries()) {
      for (const doc of list.docs)
        df[t] = (df[t] as number) + (doc < systemDocs ? (manifest.sysCount[doc] as number) : 1)
    }
  }
  const avgLength = documents > 0 ? totalLength / documents : 1
  const idf = df.map((n) => Math.log(1 + (documents - n + 0.5) / (n + 0.5)))
  const wantBits = filters.fields
    ? [...filters.fields].reduce((b, f) => b | (1 << SEARCH_FIELDS.indexOf(f)), 0)
    : -1
  const hits: RankedHit[] = []
  for (const { config, manifest, lists } of perConfig) {
    if (lists.some((l) => l.docs.length === 0)) continue
    const systemDocs = manifest.sysKeys.length
    const toolId = filters.tool === undefined ? -1 : manifest.toolNames.indexOf(filters.tool)
    if (filters.tool !== undefined && toolId < 0) continue
    const order = lists
      .map((_, i) => i)
      .sort((a, b) => (lists[a] as TermDocs).docs.length - (lists[b] as TermDocs).docs.length)
    const smallest = lists[order[0] as number] as TermDocs
    const at = lists.map(() => 0)
    for (let j = 0; j < smallest.docs.length; j++) {
      const doc = smallest.docs[j] as number
      const idx = lists.map(() => -1)
      idx[order[0] as number] = j
      let all = true
      for (let o = 1; o < order.length; o++) {
        const t = order[o] as number
        const l = lists[t] as TermDocs
        let k = at[t] as number
        while (k < l.docs.length && (l.docs[k] as number) < doc) k++
        at[t] = k
        if (l.docs[k] !== doc) {
          all = false
          break
        }
        idx[t] = k
      }
      if (!all) continue
      const role: SearchRole =
        doc < systemDocs ? 'system' : (ROLE_NAMES[manifest.role[doc - systemDocs] as number] ?? 'system')
      if (doc >= systemDocs && manifest.role[doc - systemDocs] === OTHER_ROLE) continue
      let bits = 0
      for (const [t, k] of idx.entries()) bits |= fieldBits(role, (lists[t] as TermDocs).masks[k] as number)
      if (wantBits >= 0 && (bits & wantBits) === 0) continue
      const length =
        doc < systemDocs ? (manifest.sysLength[doc] as number) : (manifest.length[doc - systemDocs] as number)
      let score = 0
      for (const [t, k] of idx.entries()) {
        const tf = (lists[t] as TermDocs).tfs[k] as number
        const norm = BM25_K1 * (1 - BM25_B + (BM25_B * length) / avgLength)
        score += (idf[t] as number) * ((tf * (BM25_K1 + 1)) / (tf + norm))
      }
      score = Math.round(score * 1e6) / 1e6
      const messages = doc < systemDocs ? (messagesOfSystemDoc(manifest)[doc] ?? []) : [doc - systemDocs]
      for (const m of messages) {
        if (toolId >= 0) {
          let found = false
          for (let x = manifest.toolStart[m] as number; x < (manifest.toolStart[m + 1] as number); x++) {
            if (manifest.toolIds[x] === toolId) found = true
          }
          if (!found) continue
        }
        const row = manifest.rowOf[m] as number
        if (filters.rowFilter && !filters.rowFilter(config, row)) continue
        const step = manifest.step[m] as number
        hits.push({
          config,
          row,
          id: manifest.ids[row] as string,
          message: m - (manifest.rowStart[row] as number),
          role,
          step: step < 0 ? null : step,
          score,
          fields: wantBits >= 0 ? bits & wantBits : bits,
        })
      }
    }
  }
  hits.sort(
    (a, b) =>
      b.score - a.score ||
      (a.config < b.config ? -1 : a.config > b.config ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
      a.message - b.message,
  )
  return hits
}
