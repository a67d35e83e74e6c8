/**
 * A small YAML reader for Hugging Face dataset cards (the fake hub's `cardData`).
 *
 * Dataset cards keep their metadata as YAML front matter between `---` lines. The Hub parses it and
 * returns it as `cardData`; the fake hub does the same with this subset of YAML 1.2, enough for the
 * shapes cards use: block mappings and sequences (including the compact `key:\n- item` form and
 * `- key: value` mappings inside lists, as in `configs:`), flow collections (`tags: [a, b]`,
 * `{a: 1}`), plain / single-quoted / double-quoted scalars, block scalars (`|`, `>` with `-`/`+`),
 * and `#` comments. Scalars resolve like the YAML 1.2 core schema (null, booleans, numbers, strings).
 * Anchors, aliases, tags and multi-document streams are not supported (a card never needs them).
 */

/** A parsed YAML value: the JSON data model. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue }

/** Thrown on input outside the supported subset; the message names the 1-based line. */
export class YamlError extends Error {
  override name = 'YamlError'
}

/**
 * Split a Markdown document into its YAML front matter and the rest.
 * Front matter is present only when the first line is `---`; it ends at the next `---` (or `...`) line.
 */
export function splitFrontMatter(markdown: string): { yaml: string | null; body: string } {
  const text = markdown.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  if (!/^---[ \t]*\n/.test(text)) return { yaml: null, body: text }
  const start = text.indexOf('\n') + 1
  const close = /^(?:---|\.\.\.)[ \t]*$/m
  const rest = text.slice(start)
  const m = close.exec(rest)
  if (!m) return { yaml: null, body: text }
  const yaml = rest.slice(0, m.index)
  const afterClose = rest.slice(m.index + m[0].length).replace(/^\n/, '')
  return { yaml, body: afterClose }
}

/** Parse the YAML front matter of a dataset card; `{}` when there is none. */
export function parseFrontMatter(markdown: string): { [key: string]: YamlValue } {
  const { yaml } = splitFrontMatter(markdown)
  if (yaml === null) return {}
  const value = parseYaml(yaml)
  if (value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new YamlError('card front matter must be a mapping')
  }
  return value
}

interface Line {
  indent: number
  content: string
  /** 0-based index into the raw lines (for error messages and block scalars). */
  index: number
}

interface State {
  raw: string[]
  /** Next raw line to read. */
  pos: number
  /** A line synthesised from the rest of a `- ` item (`- key: v` starts a mapping at the item's column). */
  virtual: Line | null
}

/** Parse one YAML document. An empty document is `null`. */
export function parseYaml(text: string): YamlValue {
  const raw = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
  const st: State = { raw, pos: 0, virtual: null }
  const first = peek(st)
  if (!first) return null
  const value = parseNode(st, -1)
  const extra = peek(st)
  if (extra) throw lineError(extra, `unexpected content "${extra.content}"`)
  return value
}

function lineError(line: Line, message: string): YamlError {
  return new YamlError(`line ${line.index + 1}: ${message}`)
}

/** The next structural line (skipping blank and comment-only lines), without consuming it. */
function peek(st: State): Line | null {
  if (st.virtual) return st.virtual
  while (st.pos < st.raw.length) {
    const line = st.raw[st.pos] ?? ''
    if (/\t/.test(line.match(/^[ \t]*/)?.[0] ?? '')) {
      throw new YamlError(`line ${st.pos + 1}: tabs are not allowed in indentation`)
    }
    const indent = line.length - line.trimStart().length
    const content = stripComment(line.slice(indent)).trimEnd()
    if (content !== '' && content !== '---' && content !== '...') return { indent, content, index: st.pos }
    st.pos++
  }
  return null
}

function consume(st: State): void {
  if (st.virtual) st.virtual = null
  else st.pos++
}

/**
 * Remove a trailing `# comment`: a `#` outside quotes that starts the line or follows whitespace
 * (YAML 1.2 §6.6). Quotes count only where a scalar can start, so `it's` in a plain scalar is fine.
 */
function stripComment(s: string): string {
  let quote: string | null = null
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    const prev = i === 0 ? ' ' : (s[i - 1] ?? ' ')
    if (quote === "'") {
      if (ch === "'") {
        if (s[i + 1] === "'") i++
        else quote = null
      }
    } else if (quote === '"') {
      if (ch === '\\') i++
      else if (ch === '"') quote = null
    } else if ((ch === '"' || ch === "'") && /[\s[{,:-]/.test(prev)) {
      quote = ch
    } else if (ch === '#' && /\s/.test(prev)) {
      return s.slice(0, i)
    }
  }
  return s
}

function isSeqItem(content: string): boolean {
  return content === '-' || content.startsWith('- ')
}

/** `key: rest` split of a mapping line, or null when the line is not a mapping entry. */
function splitKey(content: string): { key: string; rest: string } | null {
  if (content.startsWith('"') || content.startsWith("'")) {
    const end = quotedEnd(content, 0)
    if (end < 0) return null
    const after = content.slice(end)
    const m = /^\s*:(?:\s+|$)/.exec(after)
    if (!m) return null
    return { key: unquote(content.slice(0, end)), rest: after.slice(m[0].length).trim() }
  }
  if (/^[[{&*!|>%@`]/.test(content) || isSeqItem(content)) return null
  const m = /:(?:\s+|$)/.exec(content)
  if (!m) return null
  const key = content.slice(0, m.index).trim()
  if (key === '') return null
  return { key, rest: content.slice(m.index + m[0].length).trim() }
}

/** Index just past the closing quote of the quoted scalar starting at `start`, or -1. */
function quotedEnd(s: string, start: number): number {
  const q = s[start]
  for (let i = start + 1; i < s.length; i++) {
    const ch = s[i]
    if (q === '"' && ch === '\\') {
      i++
    } else if (ch === q) {
      if (q === "'" && s[i + 1] === "'") i++
      else return i + 1
    }
  }
  return -1
}

/** Parse the block node whose first line is the next structural line (more indented than `parent`). */
function parseNode(st: State, parent: number): YamlValue {
  const line = peek(st)
  if (!line || line.indent <= parent) return null
  if (isSeqItem(line.content)) return parseSeq(st, line.indent)
  if (splitKey(line.content)) return parseMap(st, line.indent)
  consume(st)
  return parseInlineValue(st, line.content, parent, line)
}

function parseMap(st: State, indent: number): { [key: string]: YamlValue } {
  const out: { [key: string]: YamlValue } = {}
  for (;;) {
    const line = peek(st)
    if (!line || line.indent < indent) break
    if (line.indent > indent) throw lineError(line, 'unexpected indentation')
    if (isSeqItem(line.content)) throw lineError(line, 'sequence item where a mapping key was expected')
    const kv = splitKey(line.content)
    if (!kv) throw lineError(line, `expected "key: value", got "${line.content}"`)
    consume(st)
    out[kv.key] = parseValue(st, kv.rest, indent, line, true)
  }
  return out
}

function parseSeq(st: State, indent: number): YamlValue[] {
  const out: YamlValue[] = []
  for (;;) {
    const line = peek(st)
    if (!line || line.indent !== indent || !isSeqItem(line.content)) {
      if (line && line.indent > indent) throw lineError(line, 'unexpected indentation')
      break
    }
    consume(st)
    const afterDash = line.content.slice(1)
    const rest = afterDash.trimStart()
    const itemIndent = indent + 1 + (afterDash.length - rest.length)
    if (rest === '') {
      out.push(parseNode(st, indent))
    } else if (isSeqItem(rest) || splitKey(rest)) {
      // `- key: v` / `- - x`: the rest is the first line of a block node at the item's column.
      st.virtual = { indent: itemIndent, content: rest, index: line.index }
      out.push(parseNode(st, indent))
    } else {
      out.push(parseValue(st, rest, indent, line, false))
    }
  }
  return out
}

/**
 * The value after `key:` (or after `- `). `parent` is the indentation of the owning key or dash:
 * continuation lines must be deeper. `inMap` allows the compact `key:\n- item` form.
 */
function parseValue(st: State, rest: string, parent: number, line: Line, inMap: boolean): YamlValue {
  if (rest === '') {
    const next = peek(st)
    if (next && next.indent > parent) return parseNode(st, parent)
    if (inMap && next && next.indent === parent && isSeqItem(next.content)) return parseSeq(st, parent)
    return null
  }
  return parseInlineValue(st, rest, parent, line)
}

/** A scalar, flow collection or block scalar starting on the current line. */
function parseInlineValue(st: State, rest: string, parent: number, line: Line): YamlValue {
  const block = /^([|>])([-+]?)\d?$/.exec(rest)
  if (block) return parseBlockScalar(st, parent, block[1] === '>', block[2] ?? '')
  let text = rest
  if (text.startsWith('[') || text.startsWith('{')) {
    // A flow collection may span lines: read on until the brackets balance.
    while (!flowBalanced(text)) {
      const next = peek(st)
      if (!next || st.virtual) throw lineError(line, 'unterminated flow collection')
      consume(st)
      text += ` ${next.content}`
    }
    const parsed = parseFlow(text, line)
    return parsed
  }
  if (text.startsWith('"') || text.startsWith("'")) {
    // Quoted scalars may span lines (folded with single spaces).
    while (quotedEnd(text, 0) < 0) {
      if (st.pos >= st.raw.length || st.virtual) throw lineError(line, 'unterminated quoted scalar')
      const next = (st.raw[st.pos] ?? '').trim()
      st.pos++
      text += next === '' ? '\n' : ` ${next}`
    }
    const end = quotedEnd(text, 0)
    const tail = text.slice(end).trim()
    if (tail !== '') throw lineError(line, `unexpected "${tail}" after quoted scalar`)
    return unquote(text)
  }
  // Plain multi-line scalar: deeper lines that are not structure fold into it.
  for (;;) {
    const next = peek(st)
    if (!next || st.virtual || next.indent <= parent) break
    // A plain scalar cannot hold ": " (YAML 1.2 §7.3.3): a deeper `key: v` line is misplaced structure.
    if (splitKey(next.content) || isSeqItem(next.content)) throw lineError(next, 'unexpected indentation')
    consume(st)
    text += ` ${next.content}`
  }
  return resolvePlain(text)
}

function parseBlockScalar(st: State, parent: number, folded: boolean, chomp: string): string {
  const lines: string[] = []
  let contentIndent = -1
  while (st.pos < st.raw.length) {
    const raw = st.raw[st.pos] ?? ''
    const blank = raw.trim() === ''
    const indent = raw.length - raw.trimStart().length
    if (!blank) {
      if (contentIndent < 0) {
        if (indent <= parent) break
        contentIndent = indent
      } else if (indent < contentIndent) {
        break
      }
    }
    lines.push(blank ? '' : raw.slice(contentIndent))
    st.pos++
  }
  // Trailing blank lines belong to chomping, not content.
  let end = lines.length
  while (end > 0 && lines[end - 1] === '') end--
  const body = lines.slice(0, end)
  let text: string
  if (folded) {
    text = ''
    for (let i = 0; i < body.length; i++) {
      const cur = body[i] ?? ''
      if (i > 0) {
        const prev = body[i - 1] ?? ''
        const moreIndented = /^\s/.test(cur) || /^\s/.test(prev)
        text += prev === '' || cur === '' || moreIndented ? '\n' : ' '
      }
      text += cur
    }
    text = text.replace(/\n\n/g, '\n')
  } else {
    text = body.join('\n')
  }
  if (chomp === '-') return text
  if (chomp === '+') return `${text}\n${'\n'.repeat(lines.length - end)}`
  return body.length > 0 ? `${text}\n` : ''
}

function flowBalanced(s: string): boolean {
  let depth = 0
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    if (ch === '"' || ch === "'") {
      const end = quotedEnd(s, i)
      if (end < 0) return false
      i = end - 1
    } else if (ch === '[' || ch === '{') depth++
    else if (ch === ']' || ch === '}') depth--
  }
  return depth <= 0
}

/** Recursive-descent reader for flow collections (`[a, b]`, `{k: v}`), YAML 1.2 §7. */
function parseFlow(text: string, line: Line): YamlValue {
  let i = 0
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++
  }
  const fail = (what: string) => lineError(line, `${what} at column ${i + 1} of "${text}"`)
  const scalar = (isKey: boolean): YamlValue => {
    ws()
    const ch = text[i]
    if (ch === '"' || ch === "'") {
      const end = quotedEnd(text, i)
      if (end < 0) throw fail('unterminated quoted scalar')
      const v = unquote(text.slice(i, end))
      i = end
      return v
    }
    const start = i
    while (i < text.length) {
      const c = text[i]
      if (c === ',' || c === ']' || c === '}') break
      // In a flow mapping a key ends at ": " (or ":" before an indicator); values may hold ":".
      if (isKey && c === ':' && /[\s,\]}]/.test(text[i + 1] ?? ' ')) break
      i++
    }
    return resolvePlain(text.slice(start, i).trim())
  }
  const value = (): YamlValue => {
    ws()
    const ch = text[i]
    if (ch === '[') {
      i++
      const arr: YamlValue[] = []
      for (;;) {
        ws()
        if (text[i] === ']') {
          i++
          return arr
        }
        arr.push(value())
        ws()
        if (text[i] === ',') i++
        else if (text[i] !== ']') throw fail('expected "," or "]"')
      }
    }
    if (ch === '{') {
      i++
      const obj: { [key: string]: YamlValue } = {}
      for (;;) {
        ws()
        if (text[i] === '}') {
          i++
          return obj
        }
        const key = scalar(true)
        ws()
        let v: YamlValue = null
        if (text[i] === ':') {
          i++
          ws()
          v = text[i] === ',' || text[i] === '}' ? null : value()
        }
        obj[String(key)] = v
        ws()
        if (text[i] === ',') i++
        else if (text[i] !== '}') throw fail('expected "," or "}"')
      }
    }
    return scalar(false)
  }
  const out = value()
  ws()
  if (i < text.length) throw fail('unexpected content')
  return out
}

/** The string value of a complete quoted scalar (with its quotes). */
function unquote(s: string): string {
  const q = s[0]
  const inner = s.slice(1, -1)
  if (q === "'") return inner.replace(/''/g, "'")
  return inner.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16))
    const map: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '0': '\0',
      b: '\b',
      f: '\f',
      v: '\v',
      e: '\x1b',
      a: '\x07',
      _: '\u00a0',
      N: '\u0085',
      ' ': ' ',
    }
    return map[e] ?? e
  })
}

/** Resolve a plain scalar by the YAML 1.2 core schema. */
function resolvePlain(s: string): YamlValue {
  if (s === '' || s === '~' || /^(?:null|Null|NULL)$/.test(s)) return null
  if (/^(?:true|True|TRUE)$/.test(s)) return true
  if (/^(?:false|False|FALSE)$/.test(s)) return false
  if (/^[-+]?\d+$/.test(s)) {
    const n = Number(s)
    return Number.isSafeInteger(n) ? n : s
  }
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16)
  if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.slice(2), 8)
  if (/^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$/.test(s)) return Number(s)
  return s
}
