/**
 * Tokenized training examples (scripts/lib/tokenize.ts): pinned Qwen3 token ids, the cached encoder against
 * the library's own, the label mask of a known trace, and per-message tokenization against whole-text
 * tokenization on every fixture and on generated sample rows.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Template } from '@huggingface/jinja'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLocalParquet, streamRowSlices } from '../../scripts/lib/local-parquet.ts'
import { CONFIG_PATHS, generateSample } from '../../scripts/lib/sample/generate.ts'
import {
  type ChatTokenizer,
  countTrainable,
  IGNORE_INDEX,
  loadTokenizer,
  renderConversation,
  renderConversationParts,
  type TokenizedExample,
  tokenizeTrace,
} from '../../scripts/lib/tokenize.ts'
import { traceToOpenAI } from '../../shared/export.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Trace } from '../../shared/types.ts'

const ROWS = join(import.meta.dirname, '../fixtures/rows')
const CTX = {
  config: 'kimi',
  dataset: 'lambda/hermes-agent-reasoning-traces',
  revision: 'fixture',
  sample: true,
}
const cases = readdirSync(ROWS)
  .filter((f) => f.endsWith('.row.json'))
  .map((f) => f.replace('.row.json', ''))
  .sort()

function load(name: string): Trace {
  return parseRow(JSON.parse(readFileSync(join(ROWS, `${name}.row.json`), 'utf8')), CTX).trace
}

// Qwen2/Qwen3 vocabulary ids (shared by the whole family; the added tokens are listed in tokenizer_config.json).
const IM_START = 151644
const IM_END = 151645
const THINK = 151667
const THINK_END = 151668
const NEWLINE = 198
const ASSISTANT = 77091

let tok: ChatTokenizer
beforeAll(async () => {
  tok = await loadTokenizer()
})

/** Maximal runs of equal "trained" state, as [start, end, trained]. */
function runs(labels: readonly number[]): [number, number, boolean][] {
  const out: [number, number, boolean][] = []
  for (let i = 0; i < labels.length; i++) {
    const trained = labels[i] !== IGNORE_INDEX
    const last = out.at(-1)
    if (last && last[2] === trained) last[1] = i + 1
    else out.push([i, i + 1, trained])
  }
  return out
}

/** Decoded text of the trained tokens, span by span. */
function trainedText(ex: TokenizedExample): string[] {
  return runs(ex.labels)
    .filter(([, , trained]) => trained)
    .map(([a, b]) => tok.decode(ex.input_ids.slice(a, b)))
}

describe('token ids (pinned)', () => {
  // Read off the tokenizer once and checked for plausibility: "Hello" 9707 and " world" 1879 are the well-known
  // Qwen2 ids; every added token is a single id from tokenizer_config.json; "\n" is byte-level 198 ("Ċ"),
  // "\n\n" the merged 271.
  const PINNED: [string, number[]][] = [
    ['Hello world', [9707, 1879]],
    ['你好，世界', [108386, 3837, 99489]],
    ['<think>', [THINK]],
    ['</think>', [THINK_END]],
    ['<|im_start|>', [IM_START]],
    ['<|im_end|>', [IM_END]],
    ['<tool_call>', [151657]],
    ['</tool_call>', [151658]],
    ['<tool_response>', [151665]],
    ['</tool_response>', [151666]],
    ['<|im_start|>assistant\n', [IM_START, ASSISTANT, NEWLINE]],
    ['\n\n', [271]],
  ]
  for (const [text, ids] of PINNED) {
    it(`${JSON.stringify(text)} -> ${JSON.stringify(ids)}`, () => {
      expect(tok.encode(text)).toEqual(ids)
      if (tok.referenceEncode) expect(tok.referenceEncode(text)).toEqual(ids)
      expect(tok.decode(ids)).toBe(text)
    })
  }

  it('uses the cached encoder, identical to the library on awkward text', () => {
    expect(tok.referenceEncode).toBeDefined()
    const reference = tok.referenceEncode as (text: string) => number[]
    const texts = [
      "It's 'LL we'd THEY'RE",
      'e\u0301 (decomposed) vs \u00e9; \u212b; \uac00\u11a8 (Hangul jamo)',
      '👩‍👩‍👧 🙂🙂 flags 🇫🇷 ZWJ',
      'tabs\t\tand   spaces   \n\n\n  \r\n\r\n trailing   ',
      '123456789 3.14159 0x1F ١٢٣ (Arabic digits)',
      'RTL: שלום עולם مرحبا',
      'code: def f(x):\n    return x**2  # ok\n',
      'lone surrogate \ud800 and NUL \u0000 and DEL \u007f',
      '<|im_end|><|im_start|>inline special tokens</think><think>',
      'ǅ ﬁ ＡＢＣ ½ ² ㎏',
      '',
      ' ',
    ]
    for (const text of texts) expect(tok.encode(text), JSON.stringify(text)).toEqual(reference(text))
  })
})

describe('label mask of a known trace (basic fixture)', () => {
  it('masks everything but the assistant turns, header and trailing newline excluded', () => {
    const trace = load('basic')
    const ex = tokenizeTrace(trace, { tokenizer: tok, verify: true })
    expect(ex.labels.length).toBe(ex.input_ids.length)
    expect(ex.truncated).toBe(false)
    expect(ex.fullLength).toBe(ex.input_ids.length)
    // The trained text is exactly the two assistant turns (reasoning, calls, answer, end of turn).
    expect(trainedText(ex)).toEqual([
      '<think>\nThe user wants a listing. I will run ls.\n</think>\n\n<tool_call>\n{"name": "terminal", "arguments": {"command": "ls -la"}}\n</tool_call><|im_end|>',
      '<think>\nDone.\n</think>\n\nThe directory holds one entry.<|im_end|>',
    ])
    for (const [i, label] of ex.labels.entries()) {
      if (label !== IGNORE_INDEX) expect(label).toBe(ex.input_ids[i])
    }
    expect(countTrainable(ex.labels)).toBe(ex.labels.filter((l) => l !== -100).length)
  })

  it('segments tile the tokens, and every masked span starts and ends on a message boundary', () => {
    const trace = load('basic')
    const ex = tokenizeTrace(trace, { tokenizer: tok })
    let at = 0
    for (const s of ex.segments) {
      expect(s.start).toBe(at)
      expect(s.end).toBeGreaterThan(s.start)
      at = s.end
      for (let i = s.start; i < s.end; i++) expect(ex.labels[i] !== IGNORE_INDEX).toBe(s.trained)
    }
    expect(at).toBe(ex.input_ids.length)
    const starts = new Set(ex.segments.map((s) => s.start))
    const ends = new Set(ex.segments.map((s) => s.end))
    for (const [a, b] of runs(ex.labels)) {
      expect(starts.has(a)).toBe(true)
      expect(ends.has(b)).toBe(true)
    }
    // Boundaries, by message of trace.messages: system 0, human 1, gpt 2, tool 3, gpt 4.
    expect(ex.segments.map((s) => [s.role, s.message, s.part, s.trained])).toEqual([
      ['system', 0, 'message', false],
      ['user', 1, 'message', false],
      ['assistant', 2, 'header', false],
      ['assistant', 2, 'think', true],
      ['assistant', 2, 'body', true],
      ['assistant', 2, 'separator', false],
      ['tool', 3, 'message', false],
      ['assistant', 4, 'header', false],
      ['assistant', 4, 'think', true],
      ['assistant', 4, 'body', true],
      ['assistant', 4, 'separator', false],
    ])
    const text = (s: (typeof ex.segments)[number]) => tok.decode(ex.input_ids.slice(s.start, s.end))
    for (const s of ex.segments) {
      if (s.part === 'header') {
        // The assistant header is masked: <|im_start|> assistant \n.
        expect(ex.input_ids.slice(s.start, s.end)).toEqual([IM_START, ASSISTANT, NEWLINE])
      }
      if (s.part === 'body') {
        // Content and the end-of-turn token are trained.
        expect(ex.input_ids[s.end - 1]).toBe(IM_END)
        expect(ex.labels[s.end - 1]).toBe(IM_END)
      }
      if (s.part === 'separator') expect(ex.input_ids.slice(s.start, s.end)).toEqual([NEWLINE])
    }
    const tool = ex.segments.find((s) => s.role === 'tool')!
    expect(text(tool)).toMatch(/^<\|im_start\|>user\n<tool_response>\n\{"output":"total 8/)
    expect(text(tool)).toMatch(/<\/tool_response><\|im_end\|>\n$/)
    expect(text(ex.segments[0]!)).toMatch(/^<\|im_start\|>system\nYou are a function calling AI model/)
    expect(text(ex.segments[1]!)).toBe('<|im_start|>user\nList the files.<|im_end|>\n')
    // Segment message indices point at trace.messages with the matching role.
    const role = { system: 'system', human: 'user', gpt: 'assistant', tool: 'tool' } as const
    for (const s of ex.segments) expect(s.role).toBe(role[trace.messages[s.message]!.from])
  })

  it('--no-think-loss masks the reasoning tokens and nothing else', () => {
    const trace = load('basic')
    const full = tokenizeTrace(trace, { tokenizer: tok })
    const ex = tokenizeTrace(trace, { tokenizer: tok, noThinkLoss: true })
    expect(ex.input_ids).toEqual(full.input_ids)
    for (const [i, id] of ex.input_ids.entries()) {
      if (id === THINK || id === THINK_END) expect(ex.labels[i]).toBe(IGNORE_INDEX)
    }
    const think = ex.segments.filter((s) => s.part === 'think')
    expect(think.length).toBe(2)
    for (const s of think) expect(s.trained).toBe(false)
    const thinkTokens = think.reduce((n, s) => n + s.end - s.start, 0)
    expect(countTrainable(ex.labels)).toBe(countTrainable(full.labels) - thinkTokens)
    expect(trainedText(ex)).toEqual([
      '\n\n<tool_call>\n{"name": "terminal", "arguments": {"command": "ls -la"}}\n</tool_call><|im_end|>',
      '\n\nThe directory holds one entry.<|im_end|>',
    ])
  })

  it('--max-len truncates both arrays identically, on the right', () => {
    const trace = load('basic')
    const full = tokenizeTrace(trace, { tokenizer: tok })
    const cut = full.segments[3]!.start + 5 // inside the first reasoning block
    const ex = tokenizeTrace(trace, { tokenizer: tok, maxLen: cut })
    expect(ex.input_ids).toEqual(full.input_ids.slice(0, cut))
    expect(ex.labels).toEqual(full.labels.slice(0, cut))
    expect(ex.truncated).toBe(true)
    expect(ex.fullLength).toBe(full.input_ids.length)
    expect(ex.segments.at(-1)).toMatchObject({ part: 'think', end: cut })
    expect(countTrainable(ex.labels)).toBe(5)
    // A limit above the length changes nothing.
    const same = tokenizeTrace(trace, { tokenizer: tok, maxLen: full.input_ids.length })
    expect(same.input_ids).toEqual(full.input_ids)
    expect(same.truncated).toBe(false)
  })
})

describe('every fixture', () => {
  for (const name of cases) {
    it(`${name}: markers split the plain rendering exactly; per-message ids equal whole-text ids`, () => {
      const trace = load(name)
      const conversation = traceToOpenAI(trace)
      const plain = renderConversation(tok, conversation)
      const parts = renderConversationParts(tok, conversation)
      expect(parts.preamble + parts.parts.join('') + parts.tail).toBe(plain)
      expect(parts.tail).toBe('')
      // The renderer is the template itself, unmodified.
      expect(plain).toBe(
        new Template(tok.chatTemplate).render({ ...conversation, add_generation_prompt: false }),
      )
      const ex = tokenizeTrace(trace, { tokenizer: tok, verify: true })
      expect(ex.input_ids).toEqual((tok.referenceEncode ?? tok.encode)(plain))
      expect(ex.labels.length).toBe(ex.input_ids.length)
      for (const s of ex.segments) {
        if (s.role === 'assistant' && s.part !== 'header' && s.part !== 'separator')
          expect(s.trained).toBe(true)
        else expect(s.trained).toBe(false)
        expect(s.message).toBeGreaterThanOrEqual(s.role === 'system' ? -1 : 0)
      }
    })
  }

  it('text that contains the segment marker still splits exactly', () => {
    const row = JSON.parse(readFileSync(join(ROWS, 'basic.row.json'), 'utf8'))
    row.conversations[1].value = 'List \uE0000\uE000 the \uE000 files.'
    const trace = parseRow(row, CTX).trace
    const ex = tokenizeTrace(trace, { tokenizer: tok, verify: true })
    expect(tok.decode(ex.input_ids.slice(ex.segments[1]!.start, ex.segments[1]!.end))).toBe(
      '<|im_start|>user\nList \uE0000\uE000 the \uE000 files.<|im_end|>\n',
    )
  })

  it('multiple human turns: reasoning only after the last user message (Qwen3 template rule)', () => {
    const trace = load('multiple-human-turns')
    const ex = tokenizeTrace(trace, { tokenizer: tok })
    const lastUser = Math.max(...ex.segments.filter((s) => s.role === 'user').map((s) => s.exportMessage))
    for (const s of ex.segments.filter((s) => s.part === 'think'))
      expect(s.exportMessage).toBeGreaterThan(lastUser)
  })
})

describe('generated sample rows', () => {
  let dir = ''
  const traces: Trace[] = []
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hte-tokenize-'))
    await generateSample({ out: dir, rowsKimi: 12, rowsGlm: 12, seed: 7 })
    for (const { config, path } of CONFIG_PATHS) {
      const source = await openLocalParquet(join(dir, path))
      for await (const slice of streamRowSlices(source)) {
        for (const row of slice.rows) traces.push(parseRow(row, { ...CTX, config }).trace)
      }
    }
  }, 60_000)
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('tokenize per message exactly as the whole text (library encoder), with sane masks', () => {
    expect(traces.length).toBe(24)
    for (const trace of traces) {
      const ex = tokenizeTrace(trace, { tokenizer: tok, verify: true })
      const trainable = countTrainable(ex.labels)
      expect(trainable, trace.id).toBeGreaterThan(0)
      expect(trainable, trace.id).toBeLessThan(ex.input_ids.length)
      // One trained <|im_end|> per assistant turn; every other <|im_end|> is masked.
      const turns = trace.messages.filter((m) => m.from === 'gpt').length
      const trainedEnds = ex.input_ids.filter((id, i) => id === IM_END && ex.labels[i] === IM_END).length
      expect(trainedEnds, trace.id).toBe(turns)
    }
  })
})
