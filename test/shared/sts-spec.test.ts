/**
 * The Hub's Session Trace Simple format (STS), rule by rule, as specified in huggingface/hub-docs
 * `docs/hub/session-traces-format.md` (read at commit 9d148464cd781f6c3488af4fb48ab15935f72216): a JSONL file,
 * one session per file; line 1 the header `{type: "session", harness, id, name?, …extra}`; every other line
 * `{type: "message", message: {role, content, reasoningContent?, toolCalls?, toolCallId?, timestamp?, model?}}`;
 * `toolCalls` = `[{id, function: {name, arguments}}]` with `arguments` a JSON string; a `tool` message's
 * `toolCallId` names the `toolCalls[].id` it answers; `timestamp` in epoch milliseconds.
 *
 * Checked on every fixture trace (`traceToStsJsonl`) and on the folder the export CLI writes with
 * `--format sts --out-dir` (one `<config>/<id>.jsonl` per row of a generated sample).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exportDataset } from '../../scripts/lib/export-pipeline.ts'
import { generateSample } from '../../scripts/lib/sample/generate.ts'
import { traceToStsJsonl } from '../../shared/export.ts'
import type { Trace } from '../../shared/types.ts'

const ROLES = new Set(['user', 'assistant', 'system', 'tool'])
const MESSAGE_FIELDS = new Set([
  'role',
  'content',
  'reasoningContent',
  'toolCalls',
  'toolCallId',
  'timestamp',
  'model',
])

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)
const nonEmptyString = (x: unknown) => typeof x === 'string' && x !== ''

/** Every rule of the spec a file breaks (empty when it is valid STS). `orphansAllowed`: tool results without a call. */
function stsViolations(text: string, orphansAllowed = false): string[] {
  const bad: string[] = []
  if (!text.endsWith('\n')) bad.push('file: lines must end with a newline (JSONL)')
  const lines = text.split('\n').slice(0, -1)
  if (lines.length === 0) return ['file: empty']
  const parsed: unknown[] = []
  for (const [i, line] of lines.entries()) {
    try {
      parsed.push(JSON.parse(line))
    } catch {
      bad.push(`line ${i + 1}: not JSON`)
      parsed.push(null)
    }
  }
  const [header, ...messages] = parsed
  if (!isObject(header)) bad.push('header: not an object')
  else {
    if (header.type !== 'session') bad.push(`header: type ${JSON.stringify(header.type)} (must be "session")`)
    if (!nonEmptyString(header.harness)) bad.push('header: harness (required) missing or empty')
    if (!nonEmptyString(header.id)) bad.push('header: id (required) missing or empty')
    if ('name' in header && typeof header.name !== 'string') bad.push('header: name must be a string')
  }
  const callIds = new Set<string>()
  for (const [k, line] of messages.entries()) {
    const at = `line ${k + 2}`
    if (!isObject(line) || line.type !== 'message' || !isObject(line.message)) {
      bad.push(`${at}: not a {type: "message", message: {…}} envelope`)
      continue
    }
    const m = line.message
    for (const key of Object.keys(m))
      if (!MESSAGE_FIELDS.has(key)) bad.push(`${at}: unknown message field ${key}`)
    if (!ROLES.has(m.role as string)) bad.push(`${at}: role ${JSON.stringify(m.role)}`)
    if (typeof m.content !== 'string') bad.push(`${at}: content (required) must be text`)
    if ('reasoningContent' in m && typeof m.reasoningContent !== 'string')
      bad.push(`${at}: reasoningContent not text`)
    if ('model' in m && typeof m.model !== 'string') bad.push(`${at}: model not text`)
    if ('timestamp' in m && !(typeof m.timestamp === 'number' && Number.isFinite(m.timestamp))) {
      bad.push(`${at}: timestamp must be epoch milliseconds`)
    }
    if ('toolCalls' in m) {
      if (m.role !== 'assistant') bad.push(`${at}: toolCalls on a ${String(m.role)} message`)
      if (!Array.isArray(m.toolCalls)) bad.push(`${at}: toolCalls must be an array`)
      for (const call of Array.isArray(m.toolCalls) ? m.toolCalls : []) {
        const fn = isObject(call) ? call.function : undefined
        if (!isObject(call) || !nonEmptyString(call.id) || !isObject(fn) || typeof fn.name !== 'string') {
          bad.push(`${at}: toolCalls entry must be {id, function: {name, arguments}}`)
          continue
        }
        if (callIds.has(call.id as string)) bad.push(`${at}: duplicate toolCalls id ${String(call.id)}`)
        callIds.add(call.id as string)
        if (typeof fn.arguments !== 'string') bad.push(`${at}: arguments must be a JSON string`)
        else {
          try {
            JSON.parse(fn.arguments)
          } catch {
            bad.push(`${at}: arguments is not valid JSON: ${fn.arguments.slice(0, 60)}`)
          }
        }
      }
    }
    if ('toolCallId' in m) {
      if (m.role !== 'tool') bad.push(`${at}: toolCallId on a ${String(m.role)} message`)
      else if (typeof m.toolCallId !== 'string') bad.push(`${at}: toolCallId must be text`)
      else if (!callIds.has(m.toolCallId) && !orphansAllowed)
        bad.push(`${at}: toolCallId ${m.toolCallId} names no earlier call`)
    } else if (m.role === 'tool') bad.push(`${at}: tool message without toolCallId`)
  }
  return bad
}

const FIXTURES = join(import.meta.dirname, '../fixtures/rows')

describe('STS spec rules', () => {
  const cases = readdirSync(FIXTURES).filter((f) => f.endsWith('.trace.json'))

  it('has fixtures', () => expect(cases.length).toBeGreaterThan(10))

  for (const file of cases) {
    it(`${file.replace('.trace.json', '')}: every rule holds`, () => {
      const trace = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Trace
      // A tool message with no gpt turn before it has no call to answer (the data's own gap): its result keeps
      // an id of its own; every other result must name an earlier call.
      const orphans = trace.warnings.some((w) => w.code === 'orphan_tool_message')
      expect(stsViolations(traceToStsJsonl(trace), orphans)).toEqual([])
    })
  }

  it('the checker catches broken files', () => {
    const header = '{"type":"session","harness":"h","id":"1"}'
    expect(
      stsViolations(
        `${header}\n{"type":"message","message":{"role":"assistant","content":"","toolCalls":[{"id":"a","function":{"name":"x","arguments":"{oops"}}]}}\n`,
      ),
    ).toHaveLength(1)
    expect(
      stsViolations(
        `${header}\n{"type":"message","message":{"role":"tool","content":"r","toolCallId":"zz"}}\n`,
      ),
    ).toHaveLength(1)
    expect(stsViolations('{"type":"session","id":"1"}\n')).toHaveLength(1)
    expect(
      stsViolations(`${header}\n{"type":"message","message":{"role":"bot","content":1}}\n`),
    ).toHaveLength(2)
  })
})

describe('export CLI --format sts --out-dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hte-sts-sample-'))
  const out = mkdtempSync(join(tmpdir(), 'hte-sts-out-'))
  afterAll(() => {
    for (const d of [dir, out]) rmSync(d, { recursive: true, force: true })
  })

  it('writes <config>/<id>.jsonl per row, each a valid STS file of one session', async () => {
    await generateSample({ out: dir, rowsKimi: 12, rowsGlm: 9, seed: 11 })
    const result = await exportDataset({ datasetDir: dir, format: 'sts', outDir: out, quiet: true })
    expect(result.rows).toBe(21)
    expect(readdirSync(out).sort()).toEqual(['glm-5.1', 'kimi'])
    const files = readdirSync(out).flatMap((config) =>
      readdirSync(join(out, config)).map((f) => join(config, f)),
    )
    expect(files).toHaveLength(21)
    for (const file of files) {
      const text = readFileSync(join(out, file), 'utf8')
      expect(stsViolations(text), file).toEqual([])
      const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { id: string; config: string }
      expect(file).toBe(join(header.config, `${header.id}.jsonl`))
    }
  })

  it('refuses --out-dir without --format sts, or with --out', async () => {
    await expect(exportDataset({ datasetDir: dir, format: 'openai', outDir: out })).rejects.toThrow(
      /--format sts/,
    )
    await expect(
      exportDataset({ datasetDir: dir, format: 'sts', outDir: out, out: 'x.jsonl' }),
    ).rejects.toThrow(/not both/)
  })
})
