import { isRecord } from './json.ts'
/**
 * What a dataset repository declares: its configs and their files, from the card's YAML (`cardData` on the Hub).
 *
 * The real card of `lambda/hermes-agent-reasoning-traces` declares
 * `configs: [{config_name: kimi, data_files: [{split: train, path: data/kimi/train.parquet}]}, …]`.
 * Files outside any config (the legacy `data/train-0000x-of-00002.parquet` shards) are ignored.
 */

/** The dataset this product is built for. */
export const DEFAULT_DATASET = 'lambda/hermes-agent-reasoning-traces'

/** The card tag that marks the generated sample (never the real dataset). */
export const SAMPLE_TAG = 'synthetic-sample'

/** One config's file of one split. */
export interface DatasetConfig {
  /** Config name, e.g. `kimi`. */
  name: string
  /** Split name (`train`). */
  split: string
  /** Path of the parquet file inside the repository. */
  path: string
}

/**
 * The configs a card declares, first split of each (the dataset has only `train`).
 * Accepts `data_files` as a string, a list of strings, or a list of `{split, path}` (all valid in cards).
 */
export function configsFromCardData(cardData: unknown): DatasetConfig[] {
  if (!isRecord(cardData) || !Array.isArray(cardData.configs)) return []
  const out: DatasetConfig[] = []
  for (const entry of cardData.configs) {
    if (!isRecord(entry) || typeof entry.config_name !== 'string') continue
    const files = entry.data_files
    let split = 'train'
    let path: string | undefined
    if (typeof files === 'string') path = files
    else if (Array.isArray(files)) {
      const first = files[0]
      if (typeof first === 'string') path = first
      else if (isRecord(first)) {
        if (typeof first.split === 'string') split = first.split
        const p = first.path
        path = typeof p === 'string' ? p : Array.isArray(p) && typeof p[0] === 'string' ? p[0] : undefined
      }
    }
    if (path?.endsWith('.parquet') && !path.includes('*')) out.push({ name: entry.config_name, split, path })
  }
  return out
}

/** True when the card marks the data as the generated sample. */
export function cardIsSample(cardData: unknown): boolean {
  if (!isRecord(cardData)) return false
  const tags = cardData.tags
  return Array.isArray(tags) && tags.includes(SAMPLE_TAG)
}
