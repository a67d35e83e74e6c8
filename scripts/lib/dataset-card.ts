/**
 * The YAML front matter of a Hugging Face dataset card (`README.md`), which the Hub parses and returns as
 * `cardData`: configs, license, tags, ... Parsed with the `yaml` package (YAML 1.2, core schema: null, booleans,
 * numbers and strings resolve the way the Hub's own parser resolves them for the shapes cards use).
 */
import { parse } from 'yaml'

/** The parsed front matter: a mapping of the JSON data model. */
export type CardData = Record<string, unknown>

/**
 * Split a Markdown document into its YAML front matter and the rest. Front matter is present only when the
 * first line is `---`; it ends at the next `---` (or `...`) line. A BOM and CRLF line ends are tolerated.
 */
export function splitFrontMatter(markdown: string): { yaml: string | null; body: string } {
  const text = markdown.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  if (!/^---[ \t]*\n/.test(text)) return { yaml: null, body: text }
  const rest = text.slice(text.indexOf('\n') + 1)
  const m = /^(?:---|\.\.\.)[ \t]*$/m.exec(rest)
  if (!m) return { yaml: null, body: text }
  return { yaml: rest.slice(0, m.index), body: rest.slice(m.index + m[0].length).replace(/^\n/, '') }
}

/**
 * Parse the YAML front matter of a dataset card; `{}` when there is none or it is empty. Throws naming the
 * problem (and the YAML's line) when the front matter is not valid YAML or not a mapping.
 */
export function parseFrontMatter(markdown: string): CardData {
  const { yaml } = splitFrontMatter(markdown)
  if (yaml === null) return {}
  const value: unknown = parse(yaml)
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('the card front matter must be a YAML mapping')
  }
  return value as CardData
}
