/**
 * Failure signatures and the failure map of Stats.
 *
 * The normaliser is checked rule by rule on messages the sample generator and the fixtures actually contain
 * (and a few real-world shapes: shells, pip, npm, Node). The map is checked against a brute-force recount written
 * here from the full (not lazy) parse, and for mergeability: the stats of the whole equal the merge of the stats
 * of any random split, byte for byte.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom as prng } from '../../scripts/lib/random.ts'
import { buildRow } from '../../scripts/lib/sample/conversation.ts'
import { failureDetail, failureSignature, informativeLine } from '../../shared/failure-signature.ts'
import { mergeStats, statsFromRows } from '../../shared/stats.ts'
import { parseRow } from '../../shared/trace.ts'
import type { ErrorKind, FailureGroup, Stats } from '../../shared/types.ts'
import { mergeInRandomOrder } from './merge-order.ts'

describe('failureSignature', () => {
  const cases: [string, string][] = [
    // paths, quoted or not
    ['cat: /root/chess-engine/.env: No such file or directory', 'cat: <path>: No such file or directory'],
    [
      "FileNotFoundError: [Errno 2] No such file or directory: 'data/input.csv'",
      'FileNotFoundError: [Errno <n>] No such file or directory: <path>',
    ],
    ['File not found: /home/user/projects/job-board/docs/setup.md', 'File not found: <path>'],
    ['bash: /etc/nginx/nginx.conf: Permission denied', 'bash: <path>: Permission denied'],
    [
      "Failed to write file: [Errno 13] Permission denied: '/etc/cron.d/backup'",
      'Failed to write file: [Errno <n>] Permission denied: <path>',
    ],
    ['ls: cannot access ~/notes/todo.md: No such file', 'ls: cannot access <path>: No such file'],
    ["Error: Cannot find module './config'", 'Error: Cannot find module <path>'],
    [
      'Could not find a match for old_string in /root/job-board/cmd/job_board/main.go',
      'Could not find a match for old_string in <path>',
    ],
    ['FAIL\tgithub.com/acme/static-site/cmd/static_site\t0.41s', 'FAIL <path> <n>s'],
    // shells: the command word is a placeholder
    ['bash: rg: command not found', 'command not found: <word>'],
    ['bash: line 1: jq: command not found', 'command not found: <word>'],
    ['sh: 1: pnpm: not found', 'command not found: <word>'],
    ['zsh: command not found: fd', 'command not found: <word>'],
    // Python exceptions
    ["ModuleNotFoundError: No module named 'dotenv'", 'ModuleNotFoundError: No module named <name>'],
    ['ModuleNotFoundError: No module named yaml.loader', 'ModuleNotFoundError: No module named <name>'],
    ["KeyError: 'user_id'", 'KeyError: <str>'],
    [
      "AttributeError: 'NoneType' object has no attribute 'get'",
      'AttributeError: <str> object has no attribute <str>',
    ],
    [
      "ValueError: invalid literal for int() with base 10: ''",
      'ValueError: invalid literal for int() with base <n>: <str>',
    ],
    [
      'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)',
      'json.decoder.JSONDecodeError: Expecting value: line <n> column <n> (char <n>)',
    ],
    [
      "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
      "UnicodeDecodeError: <str> codec can't decode byte <hash> in position <n>: invalid start byte",
    ],
    ['ZeroDivisionError: division by zero', 'ZeroDivisionError: division by zero'],
    [
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: users',
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: users',
    ],
    // timeouts
    ['Command timed out after 180 seconds', 'Command timed out after <n> seconds'],
    ['Navigation timeout of 30000 ms exceeded', 'Navigation timeout of <n> ms exceeded'],
    ['Timeout after 30s', 'Timeout after <n>s'],
    ['timed out after 300.0s', 'timed out after <n>s'],
    // URLs, network
    ['net::ERR_NAME_NOT_RESOLVED at http://localhost:8080/guestbook', 'net::ERR_NAME_NOT_RESOLVED at <url>'],
    [
      'UnhandledPromiseRejection: Error: connect ECONNREFUSED 127.0.0.1:5432',
      'UnhandledPromiseRejection: Error: connect ECONNREFUSED <n>:<n>',
    ],
    // ids, hashes, element refs, versions
    ['No process with session_id 3f2b9c1e-8a4d-4e2b-9f1a-0c5d7e6b2a91', 'No process with session_id <id>'],
    ['fatal: bad object 9fceb02d0ae598e95dc970b74767f19372d61af8', 'fatal: bad object <hash>'],
    [
      'Element @e23 not found. The page may have changed; take a new snapshot.',
      'Element <ref> not found. The page may have changed; take a new snapshot.',
    ],
    ['error: rustc v1.74.0 is not supported', 'error: rustc v<n> is not supported'],
    // numbers and summaries
    [
      '==================== 5 failed, 24 passed in 7.57s ====================',
      '<n> failed, <n> passed in <n>s',
    ],
    ['Tests  3 failed | 56 passed (59)', 'Tests <n> failed | <n> passed (<n>)'],
    ['Found 22 errors.', 'Found <n> errors.'],
    [
      'Memory at 2,150/2,200 chars. Adding this entry (88 chars) would exceed the limit.',
      'Memory at <n>/<n> chars. Adding this entry (<n> chars) would exceed the limit.',
    ],
    [
      'ERROR: No matching distribution found for celery==7.0.0',
      'ERROR: No matching distribution found for <pkg>',
    ],
    ['exit code 1', 'exit code <n>'],
    ['exit code -1', 'exit code <n>'],
    // words that merely contain digits or quotes stay
    [
      "Type 'string' is not assignable to type 'number'. error TS2322",
      'Type <str> is not assignable to type <str>. error TS2322',
    ],
    ['Unknown tool: web_search', 'Unknown tool: web_search'],
    [
      'Clarify tool is not available in this execution context.',
      'Clarify tool is not available in this execution context.',
    ],
    // whitespace collapses
    ['  many\t\tspaces \n here  ', 'many spaces here'],
    ['', '(empty message)'],
  ]

  it.each(cases)('%s', (input, expected) => {
    expect(failureSignature(input)).toBe(expected)
  })

  it('caps at 160 characters and is idempotent on every case', () => {
    const long = failureSignature(`RuntimeError: ${'word '.repeat(100)}`)
    expect(long.length).toBe(160)
    expect(long.endsWith('…')).toBe(true)
    expect(cases.length).toBeGreaterThan(30)
    for (const [input] of cases) {
      const once = failureSignature(input)
      expect(failureSignature(once), input).toBe(once)
    }
  })

  it('renders markup as plain text placeholders never create', () => {
    const s = failureSignature('Error: <img src=x onerror=alert(1)> in comment 42')
    expect(s).toBe('Error: <img src=x onerror=alert(<n>)> in comment <n>')
  })
})

describe('failureDetail: the informative line of each response shape', () => {
  it('terminal exit with an error field uses the field', () => {
    const content = {
      output: '',
      exit_code: -1,
      error: 'Failed to start command: [Errno 12] Cannot allocate memory',
    }
    expect(failureDetail(content, 'x')).toBe('Failed to start command: [Errno 12] Cannot allocate memory')
  })

  it('terminal exit without error: the last line of the output that is not a runtime trailer', () => {
    const node = {
      output:
        "/root/app/src/main.js:12\n    rows.map((x) => x.id)\n         ^\n\nTypeError: Cannot read properties of undefined (reading 'map')\n    at loadRows (/root/app/src/main.js:12:10)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n\nNode.js v22.9.0",
      exit_code: 1,
      error: null,
    }
    expect(failureDetail(node, 'exit code 1: Node.js v22.9.0')).toBe(
      "TypeError: Cannot read properties of undefined (reading 'map')",
    )
    const npm = {
      output:
        'npm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree\nnpm error\nnpm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log',
      exit_code: 1,
      error: null,
    }
    expect(failureDetail(npm, 'x')).toBe('npm error code ERESOLVE')
    const py = {
      output:
        'Traceback (most recent call last):\n  File "/root/a.py", line 3, in <module>\n    main()\nKeyError: \'user_id\'\n',
      exit_code: 1,
      error: null,
    }
    expect(failureDetail(py, 'x')).toBe("KeyError: 'user_id'")
    expect(failureDetail({ output: '', exit_code: 2, error: null }, 'exit code 2')).toBe('exit code 2')
  })

  it('exit 124 (timeout) ignores the partial output', () => {
    expect(failureDetail({ output: 'step 1\nstep 2', exit_code: 124, error: null }, 'x')).toBe(
      'exit code 124',
    )
    expect(
      failureDetail({ output: 'x', exit_code: 124, error: 'Command timed out after 180 seconds' }, 'x'),
    ).toBe('Command timed out after 180 seconds')
  })

  it('execute_code: status timeout says how long, status error the exception line', () => {
    const timeout = { status: 'timeout', output: 'checked 1\nchecked 2', duration_seconds: 300 }
    expect(failureDetail(timeout, 'checked 1 checked 2')).toBe('timed out after 300s')
    const error = {
      status: 'error',
      output:
        'Traceback (most recent call last):\n  File "/tmp/hermes_exec_1a2b3c.py", line 7, in <module>\n    text = read_file(path)["content"]\nModuleNotFoundError: No module named \'dotenv\'',
    }
    expect(failureDetail(error, 'x')).toBe("ModuleNotFoundError: No module named 'dotenv'")
  })

  it('a failed patch: the error of the JSON before the hint', () => {
    const content =
      '{"success": false, "error": "Could not find a match for old_string in /root/a/src/api.js"}\n\n[Hint: old_string not found. Use read_file to verify the current content, or search_files to locate the text.]'
    expect(failureDetail(content, 'x')).toBe('Could not find a match for old_string in /root/a/src/api.js')
  })

  it('browser and file tools: error field, else message', () => {
    expect(failureDetail({ success: false, error: 'Timeout after 30s' }, 'x')).toBe('Timeout after 30s')
    expect(failureDetail({ success: false, message: 'Screenshot failed: page crashed.' }, 'x')).toBe(
      'Screenshot failed: page crashed.',
    )
    expect(failureDetail({ error: 'Path not found: /root/x', total_count: 0 }, 'x')).toBe(
      'Path not found: /root/x',
    )
  })

  it('no content: the taxonomy message; long lines are clipped to one line of 160', () => {
    expect(failureDetail(null, 'Unknown tool: python')).toBe('Unknown tool: python')
    const long = failureDetail({ error: `Error: ${'x '.repeat(300)}` }, 'x')
    expect(long.length).toBe(160)
    expect(long.endsWith('…')).toBe(true)
    expect(failureDetail({ error: 'first line\nRuntimeError: the last line' }, 'x')).toBe(
      'RuntimeError: the last line',
    )
  })

  it('informativeLine of blank text is empty', () => {
    expect(informativeLine(' \n\n ')).toBe('')
  })
})

// ---------------------------------------------------------------------------------------------------------
// The map over generated rows.

const CONTEXT = { dataset: 'lambda/hermes-agent-reasoning-traces', revision: 'fixture', sample: true }
const FIXTURES = join(import.meta.dirname, '../fixtures/rows')
const fixtureRows: unknown[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.row.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')))
/** 240 generated kimi rows (small payloads: the failures are the same, the text shorter) plus the fixtures. */
const rows: unknown[] = [
  ...Array.from({ length: 240 }, (_, i) => buildRow('kimi', i, 42, 0.1)),
  ...fixtureRows,
]
const META = { ...CONTEXT, config: 'kimi', rowsTotal: rows.length }

interface Flat {
  tool: string
  kind: ErrorKind
  signature: string
  count: number
  rows: number
  recovered: number
  examples: { id: string; step: number; message: string }[]
}

function flatten(stats: Stats): Flat[] {
  return Object.entries(stats.failures).flatMap(([tool, groups]) =>
    groups.map((g: FailureGroup) => ({ tool, ...g })),
  )
}

/** Brute force from the full parse: every failed call listed, then grouped with plain objects. */
function recount(all: unknown[]): Flat[] {
  const calls: {
    id: string
    tool: string
    kind: ErrorKind
    signature: string
    step: number
    message: string
    recovered: boolean
  }[] = []
  for (const row of all) {
    const { trace, toolNames } = parseRow(row, { ...CONTEXT, config: 'kimi' })
    const outcomes: { step: number; tool: string; ok: boolean }[] = []
    const failedHere: (typeof calls)[number][] = []
    trace.steps.forEach((step, s) => {
      step.calls.forEach((call, k) => {
        const r = step.responses[k]
        let kind: ErrorKind | null
        if (call.malformed) kind = 'malformed_call'
        else if (toolNames.size > 0 && !toolNames.has(call.name)) kind = 'unknown_tool'
        else if (r === undefined) kind = 'missing_response'
        else kind = r.errorKind
        outcomes.push({ step: s, tool: call.name, ok: kind === null })
        if (kind === null) return
        const message = r
          ? failureDetail(r.content, r.error ?? '')
          : kind === 'missing_response'
            ? 'no response'
            : kind === 'malformed_call'
              ? 'malformed call payload'
              : "tool not in the row's toolset"
        failedHere.push({
          id: trace.id,
          tool: call.name,
          kind,
          signature: failureSignature(message),
          step: s + 1,
          message,
          recovered: false,
        })
      })
    })
    for (const f of failedHere) {
      f.recovered = outcomes.some((o) => o.ok && o.tool === f.tool && o.step > f.step - 1)
      calls.push(f)
    }
  }
  const groups = new Map<string, typeof calls>()
  for (const c of calls) {
    const key = JSON.stringify([c.tool, c.kind, c.signature])
    groups.set(key, [...(groups.get(key) ?? []), c])
  }
  return [...groups.values()].map((list) => {
    const first = list[0] as (typeof calls)[number]
    const examples = list
      .map((c) => ({ id: c.id, step: c.step, message: c.message }))
      .sort((a, b) =>
        a.id !== b.id
          ? a.id < b.id
            ? -1
            : 1
          : a.step - b.step || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
      )
      .filter((e, i, xs) => i === 0 || JSON.stringify(e) !== JSON.stringify(xs[i - 1]))
      .slice(0, 3)
    return {
      tool: first.tool,
      kind: first.kind,
      signature: first.signature,
      count: list.length,
      rows: new Set(list.map((c) => c.id)).size,
      recovered: list.filter((c) => c.recovered).length,
      examples,
    }
  })
}

const byKey = (a: Flat, b: Flat) => {
  const x = JSON.stringify([a.tool, a.kind, a.signature])
  const y = JSON.stringify([b.tool, b.kind, b.signature])
  return x < y ? -1 : x > y ? 1 : 0
}

describe('Stats.failures', () => {
  const whole = statsFromRows(rows, META)
  const flat = flatten(whole)

  it('has groups with repeated signatures, several rows, recoveries and examples (the checks below bite)', () => {
    expect(flat.length).toBeGreaterThan(20)
    expect(flat.some((g) => g.count > 5 && g.rows > 1 && g.rows < g.count)).toBe(true)
    expect(flat.some((g) => g.recovered > 0)).toBe(true)
    expect(flat.some((g) => g.recovered < g.count)).toBe(true)
    expect(flat.some((g) => g.examples.length === 3)).toBe(true)
    expect(new Set(flat.map((g) => g.kind)).size).toBeGreaterThan(5)
  })

  it('equals a brute-force recount over the full parse', () => {
    const expected = recount(rows).sort(byKey)
    expect(expected.length).toBeGreaterThan(20)
    expect([...flat].sort(byKey)).toEqual(expected)
  })

  it('holds exactly the failed calls of toolErrors, per tool and per kind', () => {
    const tools = Object.entries(whole.toolErrors).filter(([, t]) => t.errors > 0)
    expect(tools.length).toBeGreaterThan(3)
    for (const [tool, t] of tools) {
      const groups = whole.failures[tool] ?? []
      expect(
        groups.reduce((n, g) => n + g.count, 0),
        tool,
      ).toBe(t.errors)
      for (const [kind, n] of Object.entries(t.kinds)) {
        expect(
          groups.filter((g) => g.kind === kind).reduce((m, g) => m + g.count, 0),
          `${tool} ${kind}`,
        ).toBe(n)
      }
    }
    expect(Object.keys(whole.failures).sort()).toEqual(tools.map(([tool]) => tool).sort())
  })

  it('is in canonical order: tools by name, groups by count descending', () => {
    const tools = Object.keys(whole.failures)
    expect(tools).toEqual([...tools].sort())
    for (const groups of Object.values(whole.failures)) {
      for (let i = 1; i < groups.length; i++) {
        expect((groups[i - 1] as FailureGroup).count).toBeGreaterThanOrEqual(
          (groups[i] as FailureGroup).count,
        )
      }
    }
  })

  it('whole == merge of any split, byte for byte (20 random splits, any order and grouping)', () => {
    const text = JSON.stringify(whole)
    const rand = prng(11)
    for (let trial = 0; trial < 20; trial++) {
      const k = 1 + Math.floor(rand() * 7)
      const cuts = Array.from({ length: k }, () => Math.floor(rand() * (rows.length + 1))).sort(
        (a, b) => a - b,
      )
      const bounds = [0, ...cuts, rows.length]
      const parts = bounds.slice(1).map((end, i) => statsFromRows(rows.slice(bounds[i], end), META))
      const folded = mergeInRandomOrder(parts, rand)
      expect(JSON.stringify(folded)).toBe(text)
    }
  })

  it('survives a JSON round trip of the partials (as R2 stores them)', () => {
    const a = JSON.parse(JSON.stringify(statsFromRows(rows.slice(0, 100), META))) as Stats
    const b = JSON.parse(JSON.stringify(statsFromRows(rows.slice(100), META))) as Stats
    expect(JSON.stringify(mergeStats(a, b))).toBe(JSON.stringify(whole))
  })
})
