/**
 * REFERENCE NUMBERS PUBLISHED FOR THE REAL DATASET: the only hand-typed numbers of the site.
 *
 * Everything else on the site is computed at build time from the parquet files (site/lib/data.ts). These are
 * shown next to the computed numbers, labelled "card", so readers can compare the data the site was built
 * from with what the real dataset's card publishes.
 *
 * Sources (summarised in docs/dataset.md, "Configs and files", "Real distributions"):
 * - the dataset card of https://huggingface.co/datasets/lambda/hermes-agent-reasoning-traces
 *   (revision b92885e4f0161d4b2536512710e004d4892cac6e): rows, totals, averages, categories;
 * - a third-party audit of the kimi config (marked `audit` below): parallel share, message percentiles.
 */

/** Where the card numbers come from (shown under every table that uses them). */
export const CARD_SOURCE = {
  label: 'dataset card of lambda/hermes-agent-reasoning-traces',
  url: 'https://huggingface.co/datasets/lambda/hermes-agent-reasoning-traces',
  revision: 'b92885e4f0161d4b2536512710e004d4892cac6e',
  audit: 'third-party audit of the kimi config',
} as const

/** The card's numbers for one config; absent = not published. */
export interface CardConfig {
  /** Model behind the config, as the card names it. */
  model: string
  rows: number
  /** Size of the parquet file in bytes. */
  bytes: number
  totalMessages: number
  totalToolCalls: number
  messagesPerRow: number
  toolCallsPerRow: number
  /** "avg <think> words" of the card. */
  thinkWords: number
  /** Share (0-100) of assistant turns with calls that have more than one call (audit, kimi only). */
  pctParallelTurns?: number
  /** Messages per row, 95th percentile and maximum (audit, kimi only). */
  messagesP95?: number
  messagesMax?: number
  /** Rows per category. */
  categories: Record<string, number>
}

/** Card numbers by config name. */
export const CARD: Record<string, CardConfig> = {
  kimi: {
    model: 'Moonshot Kimi-K2.5',
    rows: 7646,
    bytes: 508_262_558,
    totalMessages: 185_798,
    totalToolCalls: 106_222,
    messagesPerRow: 24.3,
    toolCallsPerRow: 13.9,
    thinkWords: 414,
    pctParallelTurns: 16, // audit
    messagesP95: 54, // audit
    messagesMax: 54, // audit
    categories: {
      'Terminal & Coding': 2010,
      'Agent Tools': 1474,
      'Repository Tasks': 1109,
      'Browser Automation': 1048,
      'Multi-Tool': 807,
      'File Operations': 757,
      Scheduling: 204,
      'Planning & Organization': 201,
      Conversational: 36,
    },
  },
  'glm-5.1': {
    model: 'ZhipuAI GLM-5.1-FP8',
    rows: 7055,
    bytes: 599_571_360,
    totalMessages: 134_918,
    totalToolCalls: 68_328,
    messagesPerRow: 19.1,
    toolCallsPerRow: 9.7,
    thinkWords: 70,
    categories: {
      'Terminal & Coding': 2237,
      'Agent Tools': 2775,
      'Repository Tasks': 1022,
      'Browser Automation': 639,
      'Multi-Tool': 52,
      'File Operations': 134,
      Scheduling: 104,
      'Planning & Organization': 92,
      Conversational: 0,
    },
  },
}

/** The card's numbers for `config`, or undefined for a config the card does not describe. */
export function cardFor(config: string): CardConfig | undefined {
  return CARD[config]
}
