/**
 * Tool calls: the arguments a model would send and what hermes-agent would answer (docs/dataset.md shapes),
 * including realistic failures.
 */
import { PyFloat, pyJsonDumps } from '../../../shared/pyjson.ts'
import { camel, fileContent, fileLines, html } from './code.ts'
import type { Ctx } from './context.ts'
import { abs, nonAsciiBit } from './context.ts'
import type { Rng } from './random.ts'
import { FUNCS, IDENTS, LIBS_JS, LIBS_PY, PEOPLE, SERVICES, TOPICS, XSS_PAYLOADS } from './vocab.ts'

/** One call with its result. */
export interface CallResult {
  name: string
  args: Record<string, unknown>
  /** The response `content`: an object when the tool output was JSON, else a string. */
  content: unknown
  /** True when the result is a real failure (the taxonomy should flag it). */
  failed: boolean
  /** A short sentence on what came back, for the next reasoning block. */
  observation: string
  /** A short phrase on why the call is made, for the reasoning before it. */
  intent: string
}

/** Knobs for one call. */
export interface CallOptions {
  /** Embed XSS payloads in HTML-ish output. */
  xss?: boolean
  /** Produce a terminal output over 50,000 chars (then truncated like hermes-agent). */
  truncate?: boolean
  /** Multiply the payload size of this call. */
  big?: number
  /** Force a failure when the tool has a failure mode. */
  fail?: boolean
  /** Which failure mode to force (tool-specific; random when absent). */
  variant?: number
}

/** The two canonical payloads plus a few others. */
function xssSet(r: Rng): string[] {
  return [
    XSS_PAYLOADS[0] as string,
    XSS_PAYLOADS[1] as string,
    ...r.sample(XSS_PAYLOADS.slice(2), r.int(1, 3)),
  ]
}

const dumps = (v: unknown) => pyJsonDumps(v, { ensureAscii: false })
const f = (x: number) => new PyFloat(x)

const TRUNC_HEAD = 20000
const TRUNC_TAIL = 30000

/** hermes-agent's terminal output truncation (head 20,000 + tail 30,000 chars). */
export function truncateOutput(text: string): string {
  const chars = Array.from(text)
  if (chars.length <= 50000) return text
  const omitted = chars.length - TRUNC_HEAD - TRUNC_TAIL
  return `${chars.slice(0, TRUNC_HEAD).join('')}\n\n... [OUTPUT TRUNCATED - ${omitted} chars omitted out of ${chars.length} total] ...\n\n${chars.slice(chars.length - TRUNC_TAIL).join('')}`
}

function lines(n: number, make: (i: number) => string): string {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(make(i))
  return out.join('\n')
}

/**
 * Size knobs, tuned so a kimi sample measures like docs/dataset.md's real distributions (tool messages: median
 * 431, p95 10,118 characters; rows without think: median 50,522, p95 177,028).
 */
const SIZE = {
  /** Mean lines of a project file seen for the first time (read_file, cat, patch). */
  readLines: 260,
  /** Mean lines of a file written with write_file. */
  writeLines: 370,
  /** Log-space spread of file sizes. */
  fileSigma: 0.7,
  /** Default log-space spread of output line counts. */
  outSigma: 1.0,
}

function scaled(ctx: Ctx, base: number, opts: CallOptions, sigma = SIZE.outSigma): number {
  return Math.max(
    1,
    Math.min(20000, Math.round(ctx.rng.lognormal(base * ctx.payload * (opts.big ?? 1), sigma))),
  )
}

function date(r: Rng): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  return `${r.pick(months)} ${String(r.int(1, 28)).padStart(2, ' ')} ${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}`
}

function isoDate(r: Rng): string {
  return `2026-0${r.int(1, 3)}-${String(r.int(1, 28)).padStart(2, '0')}`
}

/** Line count of a deliberately large file (the long-row deviation), independent of the scale. */
function bigLines(ctx: Ctx): number {
  return ctx.rng.int(1000, 1600)
}

/** Current content of a file of the row (generated on first sight, then kept). */
export function fileText(ctx: Ctx, path: string, linesHint?: number): string {
  const p = abs(ctx, path)
  let text = ctx.fileCache.get(p)
  if (text === undefined) {
    text = fileContent(ctx, p, linesHint ?? fileLines(ctx, SIZE.readLines, SIZE.fileSigma))
    ctx.fileCache.set(p, text)
  }
  return text
}

function anyFile(ctx: Ctx): string {
  const r = ctx.rng
  return r.weighted<string>([
    [r.pick(ctx.files), 6],
    [r.pick(ctx.tests.length ? ctx.tests : ctx.files), 2],
    [r.pick(ctx.extras), 2],
  ])
}

function missingPath(ctx: Ctx): string {
  const r = ctx.rng
  return abs(
    ctx,
    r.pick([
      'config.yaml',
      'settings.json',
      `src/${r.pick(IDENTS)}.py`,
      'data/input.csv',
      '.env',
      'docs/setup.md',
      `lib/${camel(r.pick(FUNCS))}.js`,
    ]),
  )
}

// ---------------------------------------------------------------------------------------------- terminal

interface TermOut {
  command: string
  output: string
  exit: number
  observation: string
  intent: string
  extra?: Record<string, unknown>
}

function testRun(ctx: Ctx, opts: CallOptions, fail: boolean): TermOut {
  const r = ctx.rng
  const n = r.int(6, 80)
  const failed = fail ? r.int(1, Math.min(6, n)) : 0
  const dir = `cd ${ctx.root} && `
  if (ctx.lang === 'python' || ctx.lang === 'bash') {
    const files = ctx.tests.length ? ctx.tests : ['tests/test_main.py']
    const verbose = r.chance(0.4)
    const head = `============================= test session starts ==============================\nplatform linux -- Python 3.11.${r.int(2, 9)}, pytest-8.${r.int(0, 3)}.${r.int(0, 4)}, pluggy-1.5.0\nrootdir: ${ctx.root}\nconfigfile: pyproject.toml\ncollected ${n} items\n`
    const body = verbose
      ? lines(
          scaled(ctx, 30, opts),
          (i) =>
            `${r.pick(files)}::test_${r.pick(FUNCS)}_${i} ${i < failed ? 'FAILED' : 'PASSED'} [${String(Math.round(((i + 1) * 100) / n)).padStart(3)}%]`,
        )
      : files.map((t) => `${t} ${'.'.repeat(r.int(3, 20))}${fail ? 'F' : ''}`).join('\n')
    let fails = ''
    if (fail) {
      const err = ctx.error
      fails = `\n\n=================================== FAILURES ===================================\n___________________________ test_${ctx.fn}_${r.pick(['basic', 'empty', 'unicode'])} ___________________________\n\n    def test_${ctx.fn}():\n>       assert ${ctx.fn}(${r.pick(IDENTS)}) == ${r.int(1, 300)}\nE       ${err.includes(':') ? err : `AssertionError: ${err}`}\n\n${files[0]}:${r.int(10, 200)}: ${err.split(':')[0]}\n=========================== short test summary info ============================\nFAILED ${files[0]}::test_${ctx.fn} - ${err}`
    }
    const tail = `\n${'='.repeat(20)} ${failed ? `${failed} failed, ` : ''}${n - failed} passed in ${(r.next() * 9 + 0.2).toFixed(2)}s ${'='.repeat(20)}`
    return {
      command:
        `${dir}python -m pytest ${r.chance(0.5) ? r.pick(files) : ''}${verbose ? ' -v' : ' -q'}`.replace(
          / {2}/g,
          ' ',
        ),
      output: head + body + fails + tail,
      exit: fail ? 1 : 0,
      observation: fail
        ? `${failed} of ${n} tests failed with ${ctx.error.split(':')[0]}`
        : `all ${n} tests passed`,
      intent: 'run the test suite',
    }
  }
  if (ctx.lang === 'go') {
    const pk = ctx.files.map((x) => x.replace(/\/[^/]+$/, ''))
    const out = pk
      .map((p, i) =>
        fail && i === 0
          ? `--- FAIL: Test${camel(ctx.fn)} (0.00s)\n    ${p.split('/').pop()}_test.go:${r.int(10, 90)}: got ${r.int(0, 9)}, want ${r.int(10, 99)}\nFAIL\nFAIL\tgithub.com/acme/${ctx.project}/${p}\t0.${r.int(10, 99)}s`
          : `ok  \tgithub.com/acme/${ctx.project}/${p}\t0.${r.int(10, 99)}s`,
      )
      .join('\n')
    return {
      command: `${dir}go test ./...`,
      output: out,
      exit: fail ? 1 : 0,
      observation: fail ? `Test${camel(ctx.fn)} fails` : 'all Go packages pass',
      intent: 'run the Go tests',
    }
  }
  if (ctx.lang === 'rust') {
    const out = `   Compiling ${ctx.project} v0.1.0 (${ctx.root})\n    Finished test [unoptimized + debuginfo] target(s) in ${r.int(2, 40)}.${r.int(10, 99)}s\n     Running unittests src/main.rs\n\nrunning ${n} tests\n${lines(Math.min(n, scaled(ctx, 20, opts)), (i) => `test ${r.pick(FUNCS)}::tests::case_${i} ... ${i < failed ? 'FAILED' : 'ok'}`)}\n\ntest result: ${fail ? 'FAILED' : 'ok'}. ${n - failed} passed; ${failed} failed; 0 ignored`
    return {
      command: `${dir}cargo test`,
      output: out,
      exit: fail ? 101 : 0,
      observation: fail ? `${failed} Rust tests failed` : 'cargo test is green',
      intent: 'run cargo test',
    }
  }
  const out = `\n> ${ctx.project}@0.1.0 test\n> vitest run\n\n RUN  v2.1.${r.int(1, 9)} ${ctx.root}\n\n${ctx.tests.map((t, i) => ` ${fail && i === 0 ? '❯' : '✓'} ${t} (${r.int(2, 30)} tests) ${r.int(5, 900)}ms`).join('\n')}${fail ? `\n\n FAIL  ${ctx.tests[0]} > ${camel(ctx.fn)} > ${r.pick(['returns totals', 'handles empty input'])}\n${ctx.error}\n ❯ ${ctx.files[1] ?? ctx.files[0]}:${r.int(5, 120)}:${r.int(3, 40)}` : ''}\n\n Test Files  ${fail ? '1 failed | ' : ''}${ctx.tests.length - (fail ? 1 : 0)} passed (${ctx.tests.length})\n      Tests  ${failed ? `${failed} failed | ` : ''}${n - failed} passed (${n})`
  return {
    command: `${dir}npm test`,
    output: out,
    exit: fail ? 1 : 0,
    observation: fail ? `vitest reports ${failed} failing tests` : 'the vitest suite passes',
    intent: 'run npm test',
  }
}

function installRun(ctx: Ctx, opts: CallOptions, fail: boolean): TermOut {
  const r = ctx.rng
  if (ctx.lang === 'python' || ctx.lang === 'bash') {
    const pkgs = r.sample(LIBS_PY, r.int(3, 8))
    const n = scaled(ctx, 25, opts)
    const body = lines(n, () => {
      const p = r.pick(LIBS_PY)
      return r.chance(0.5)
        ? `Collecting ${p}>=${r.int(0, 3)}.${r.int(0, 20)}\n  Downloading ${p}-${r.int(0, 3)}.${r.int(0, 30)}.${r.int(0, 9)}-py3-none-any.whl (${r.int(20, 900)} kB)`
        : `Requirement already satisfied: ${p} in ./.venv/lib/python3.11/site-packages (from -r requirements.txt (line ${r.int(1, 12)})) (${r.int(0, 3)}.${r.int(0, 30)}.${r.int(0, 9)})`
    })
    const end = fail
      ? `\nERROR: Could not find a version that satisfies the requirement ${pkgs[0]}==${r.int(7, 9)}.0.0 (from versions: 0.1.0, 1.0.${r.int(0, 5)}, 2.${r.int(0, 9)}.0)\nERROR: No matching distribution found for ${pkgs[0]}==${r.int(7, 9)}.0.0`
      : `\nSuccessfully installed ${pkgs.map((p) => `${p}-${r.int(0, 3)}.${r.int(0, 30)}.${r.int(0, 9)}`).join(' ')}`
    return {
      command: `cd ${ctx.root} && pip install -r requirements.txt`,
      output: body + end,
      exit: fail ? 1 : 0,
      observation: fail ? `pip could not resolve ${pkgs[0]}` : 'the dependencies installed cleanly',
      intent: 'install the dependencies',
    }
  }
  const n = scaled(ctx, 6, opts)
  const warn = lines(
    n,
    () =>
      `npm warn deprecated ${r.pick(['inflight@1.0.6', 'glob@7.2.3', 'rimraf@3.0.2', 'uuid@3.4.0'])}: This module is not supported, and leaks memory. Do not use it.`,
  )
  const out = fail
    ? `${warn}\nnpm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree\nnpm error\nnpm error While resolving: ${ctx.project}@0.1.0\nnpm error Found: ${r.pick(LIBS_JS)}@${r.int(1, 5)}.${r.int(0, 9)}.0\nnpm error Could not resolve dependency:\nnpm error peer ${r.pick(LIBS_JS)}@"^${r.int(6, 9)}.0.0" from ${r.pick(LIBS_JS)}-plugin@${r.int(1, 4)}.0.0\nnpm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log`
    : `${warn}\n\nadded ${r.int(40, 900)} packages, and audited ${r.int(41, 901)} packages in ${r.int(2, 40)}s\n\n${r.int(20, 200)} packages are looking for funding\n  run \`npm fund\` for details\n\nfound 0 vulnerabilities`
  return {
    command: `cd ${ctx.root} && npm install`,
    output: out,
    exit: fail ? 1 : 0,
    observation: fail
      ? 'npm hit an ERESOLVE peer dependency conflict'
      : 'npm install finished without vulnerabilities',
    intent: 'install the npm packages',
  }
}

function traceback(ctx: Ctx): string {
  const r = ctx.rng
  const file = abs(ctx, ctx.files[1] ?? ctx.files[0] ?? 'main.py')
  return `Traceback (most recent call last):\n  File "${abs(ctx, ctx.files[ctx.files.length - 1] ?? 'main.py')}", line ${r.int(10, 80)}, in <module>\n    main()\n  File "${file}", line ${r.int(20, 200)}, in ${ctx.fn}\n    ${r.pick(IDENTS)} = ${r.pick(IDENTS)}["${r.pick(IDENTS)}"]\n  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads\n    return _default_decoder.decode(s)\n${ctx.error}`
}

function runScript(ctx: Ctx, opts: CallOptions, fail: boolean): TermOut {
  const r = ctx.rng
  const main = ctx.files[ctx.files.length - 1] ?? 'main.py'
  const py = ctx.lang === 'python' || ctx.lang === 'bash'
  const command = py
    ? `cd ${ctx.root} && python ${r.chance(0.5) ? `-m ${ctx.project.replace(/-/g, '_')}` : main} ${r.pick(['--dry-run', '--limit 10', '', '--verbose', `--input data/input.${ctx.vars.ext}`])}`.trim()
    : `cd ${ctx.root} && node ${main.replace('src/', 'dist/').replace('.ts', '.js')}`
  if (fail) {
    return {
      command,
      output: py
        ? traceback(ctx)
        : `${ctx.root}/${main}:${r.int(5, 90)}\n    ${r.pick(IDENTS)}.map((x) => x.${r.pick(IDENTS)})\n                ^\n\n${ctx.error}\n    at ${camel(ctx.fn)} (${ctx.root}/${main}:${r.int(5, 90)}:${r.int(3, 30)})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n\nNode.js v22.${r.int(1, 12)}.0`,
      exit: 1,
      observation: `the script crashed with ${ctx.error.split(':')[0]}`,
      intent: 'run the script and see what happens',
    }
  }
  const n = scaled(ctx, 20, opts)
  const out = lines(n, (i) => {
    const bit = ctx.nonAscii && r.chance(0.15) ? ` ${nonAsciiBit(r)}` : ''
    return r.pick([
      `[${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}] INFO processed ${r.int(1, 5000)} ${r.pick(IDENTS)}${bit}`,
      `${r.pick(IDENTS)}: ${r.int(0, 99999)}`,
      `✓ ${r.pick(FUNCS)} ok (${r.int(1, 900)} ms)`,
      `row ${i + 1}: ${r.pick(PEOPLE)}, ${r.int(1, 99)}.${r.int(10, 99)}${bit}`,
      `WARNING: ${r.pick(IDENTS)} is missing for record ${r.int(1, 999)}, using default`,
    ])
  })
  return {
    command,
    output: `${out}\nDone. ${r.int(1, 500)} ${r.pick(['records', 'files', 'rows'])} written.`,
    exit: 0,
    observation: 'the script ran and printed its summary',
    intent: 'run the script end to end',
  }
}

function gitRun(ctx: Ctx, opts: CallOptions): TermOut {
  const r = ctx.rng
  const kind = r.pick(['status', 'log', 'diff', 'commit', 'branch'])
  const dir = `cd ${ctx.root} && `
  if (kind === 'status') {
    const mod = r.sample(ctx.files, r.int(1, 4))
    return {
      command: `${dir}git status`,
      output: `On branch ${r.chance(0.5) ? 'main' : ctx.branch}\nChanges not staged for commit:\n  (use "git add <file>..." to update what will be committed)\n${mod.map((m) => `\tmodified:   ${m}`).join('\n')}\n\nno changes added to commit (use "git add" and/or "git commit -a")`,
      exit: 0,
      observation: `${mod.length} files are modified`,
      intent: 'check the working tree state',
    }
  }
  if (kind === 'log') {
    const n = scaled(ctx, 10, opts, 0.4)
    return {
      command: `${dir}git log --oneline -${n}`,
      output: lines(
        n,
        () =>
          `${r.hex(7)} ${r.pick(['fix', 'feat', 'chore', 'refactor', 'docs'])}: ${r.pick(['handle', 'add', 'update', 'remove', 'simplify'])} ${r.pick(TOPICS)}`,
      ),
      exit: 0,
      observation: 'the recent history shows the last few commits',
      intent: 'look at the recent commits',
    }
  }
  if (kind === 'diff') {
    const file = r.pick(ctx.files)
    const hunks = scaled(ctx, 3, opts, 0.5)
    const out = `diff --git a/${file} b/${file}\nindex ${r.hex(7)}..${r.hex(7)} 100644\n--- a/${file}\n+++ b/${file}\n${lines(hunks, () => `@@ -${r.int(1, 200)},${r.int(3, 9)} +${r.int(1, 200)},${r.int(3, 9)} @@\n     ${r.pick(IDENTS)} = ${r.pick(FUNCS)}(${r.pick(IDENTS)})\n-    return ${r.pick(IDENTS)}\n+    return ${r.pick(IDENTS)} or ${r.pick(['None', '[]', '0'])}`)}`
    return {
      command: `${dir}git diff`,
      output: out,
      exit: 0,
      observation: `the diff touches ${file}`,
      intent: 'review the diff',
    }
  }
  if (kind === 'commit') {
    const msg = `${r.pick(['fix', 'feat', 'refactor'])}: ${r.pick(['handle', 'add', 'improve'])} ${ctx.topic}`
    return {
      command: `${dir}git add -A && git commit -m "${msg}"`,
      output: `[${ctx.branch} ${r.hex(7)}] ${msg}\n ${r.int(1, 6)} files changed, ${r.int(3, 200)} insertions(+), ${r.int(0, 80)} deletions(-)`,
      exit: 0,
      observation: 'the commit went through',
      intent: 'commit the changes',
    }
  }
  return {
    command: `${dir}git checkout -b ${ctx.branch}`,
    output: `Switched to a new branch '${ctx.branch}'`,
    exit: 0,
    observation: `now on ${ctx.branch}`,
    intent: 'create a working branch',
  }
}

function lsRun(ctx: Ctx, opts: CallOptions): TermOut {
  const r = ctx.rng
  if (r.chance(0.4)) {
    const n = scaled(ctx, 25, opts)
    const all = [...ctx.files, ...ctx.tests, ...ctx.extras]
    const out = lines(n, (i) => `./${all[i % all.length]}${i >= all.length ? `.${i}` : ''}`)
    return {
      command: `cd ${ctx.root} && find . -type f -not -path './.git/*' -not -path './node_modules/*' | head -${Math.max(50, n)}`,
      output: out,
      exit: 0,
      observation: `the project has ${all.length} relevant files`,
      intent: 'get an overview of the project files',
    }
  }
  const entries = [
    '.',
    '..',
    '.git',
    ...ctx.extras,
    ...new Set(ctx.files.map((p) => p.split('/')[0] as string)),
  ]
  const out = `total ${r.int(20, 400)}\n${entries.map((e) => `${e.includes('.') && !e.startsWith('.') ? '-rw-r--r--' : 'drwxr-xr-x'} ${r.int(1, 9)} root root ${String(r.int(96, 40000)).padStart(6)} ${date(r)} ${e}`).join('\n')}`
  return {
    command: `ls -la ${ctx.root}`,
    output: out,
    exit: 0,
    observation: 'the directory listing shows the usual layout',
    intent: 'see what is in the project directory',
  }
}

function curlRun(ctx: Ctx, opts: CallOptions): TermOut {
  const r = ctx.rng
  const url = r.chance(0.5)
    ? ctx.site.url
    : `http://localhost:${ctx.vars.port}/${r.pick(['health', 'api/items', 'api/users/1', ''])}`
  if (opts.xss || r.chance(0.4)) {
    const payloads = opts.xss ? xssSet(r) : []
    return {
      command: `curl -s ${url}`,
      output: html(ctx, scaled(ctx, 40, opts), payloads),
      exit: 0,
      observation: opts.xss
        ? 'the page renders user comments unescaped, including script tags'
        : 'the page HTML came back',
      intent: 'fetch the page directly',
    }
  }
  const body = dumps({
    status: 'ok',
    [r.pick(IDENTS)]: r.int(0, 900),
    items: Array.from({ length: Math.min(30, scaled(ctx, 3, opts)) }, (_, i) => ({
      id: i + 1,
      name: `${r.pick(IDENTS)}-${r.int(1, 99)}`,
      price: f(r.int(100, 99999) / 100),
    })),
  })
  return {
    command: `curl -s ${url}`,
    output: body,
    exit: 0,
    observation: 'the endpoint answered with JSON',
    intent: 'query the endpoint',
  }
}

function systemRun(ctx: Ctx): TermOut {
  const r = ctx.rng
  const svc = r.pick(SERVICES)
  const pick = r.int(0, 6)
  if (pick === 0)
    return {
      command: 'df -h',
      output: `Filesystem      Size  Used Avail Use% Mounted on\noverlay          ${r.int(30, 200)}G   ${r.int(5, 150)}G   ${r.int(5, 100)}G  ${r.int(10, 95)}% /\ntmpfs            64M     0   64M   0% /dev\n/dev/sda1       ${r.int(30, 200)}G   ${r.int(5, 150)}G   ${r.int(5, 100)}G  ${r.int(10, 95)}% /etc/hosts`,
      exit: 0,
      observation: 'disk usage is within limits',
      intent: 'check disk space',
    }
  if (pick === 1)
    return {
      command: `systemctl status ${svc} --no-pager`,
      output: `● ${svc}.service - ${svc}\n     Loaded: loaded (/lib/systemd/system/${svc}.service; enabled; vendor preset: enabled)\n     Active: active (running) since ${isoDate(r)} ${r.int(10, 23)}:${r.int(10, 59)}:00 UTC; ${r.int(1, 30)} days ago\n   Main PID: ${r.int(200, 30000)} (${svc})\n      Tasks: ${r.int(1, 40)}`,
      exit: 0,
      observation: `${svc} is running`,
      intent: `check whether ${svc} is up`,
    }
  if (pick === 2)
    return {
      command: 'crontab -l',
      output: r.chance(0.4)
        ? 'no crontab for root'
        : `# m h  dom mon dow   command\n${ctx.schedule[1]} ${ctx.root}/scripts/run.sh >> /var/log/${ctx.project}.log 2>&1`,
      exit: 0,
      observation: 'the crontab is as expected',
      intent: 'look at the existing crontab',
    }
  if (pick === 3)
    return {
      command: 'python3 --version && node --version',
      output: `Python 3.11.${r.int(2, 9)}\nv22.${r.int(1, 12)}.${r.int(0, 9)}`,
      exit: 0,
      observation: 'Python 3.11 and Node 22 are available',
      intent: 'check the runtimes',
    }
  if (pick === 4)
    return {
      command: `ps aux | grep -i ${svc} | head -5`,
      output: lines(
        r.int(1, 5),
        () =>
          `root     ${String(r.int(100, 40000)).padStart(6)}  ${r.int(0, 9)}.${r.int(0, 9)}  ${r.int(0, 9)}.${r.int(0, 9)} ${r.int(10000, 900000)} ${r.int(1000, 90000)} ?  Ss   ${r.int(10, 23)}:${r.int(10, 59)}   0:0${r.int(0, 9)} /usr/sbin/${svc}`,
      ),
      exit: 0,
      observation: `${svc} processes are running`,
      intent: 'look for the running processes',
    }
  if (pick === 5)
    return {
      command: `mkdir -p ${ctx.root}/${r.pick(['data', 'output', 'logs', 'scripts'])} && chmod +x ${ctx.root}/scripts/*.sh 2>/dev/null; echo done`,
      output: 'done',
      exit: 0,
      observation: 'the directories exist now',
      intent: 'prepare the directories',
    }
  return {
    command: 'docker ps --format "table {{.Names}}\\t{{.Status}}\\t{{.Ports}}"',
    output: `NAMES\tSTATUS\tPORTS\n${ctx.project}-web-1\tUp ${r.int(2, 50)} minutes\t0.0.0.0:${ctx.vars.port}->${ctx.vars.port}/tcp\n${ctx.project}-db-1\tUp ${r.int(2, 50)} minutes (healthy)\t5432/tcp`,
    exit: 0,
    observation: 'the containers are up',
    intent: 'check the containers',
  }
}

function grepRun(ctx: Ctx, opts: CallOptions): TermOut {
  const r = ctx.rng
  const pat = r.pick([ctx.fn, r.pick(IDENTS), 'TODO', 'os.environ', 'process.env'])
  if (r.chance(0.2))
    return {
      command: `cd ${ctx.root} && grep -rn "${pat}" src/`,
      output: '',
      exit: 1,
      observation: `nothing matches ${pat}`,
      intent: `find where ${pat} is used`,
    }
  const n = scaled(ctx, 15, opts)
  return {
    command:
      `cd ${ctx.root} && grep -rn "${pat}" src/ ${ctx.lang === 'python' ? '--include=*.py' : ''}`.trim(),
    output: lines(
      n,
      () => `${r.pick(ctx.files)}:${r.int(1, 300)}:    ${r.pick(IDENTS)} = ${pat}(${r.pick(IDENTS)})`,
    ),
    exit: 0,
    observation: `${n} lines reference ${pat}`,
    intent: `find where ${pat} is used`,
  }
}

function lintRun(ctx: Ctx, opts: CallOptions, fail: boolean): TermOut {
  const r = ctx.rng
  const py = ctx.lang === 'python' || ctx.lang === 'bash'
  const n = fail ? scaled(ctx, 5, opts) : 0
  const body = lines(n, () =>
    py
      ? `${r.pick(ctx.files)}:${r.int(1, 300)}:${r.int(1, 80)}: ${r.pick(['F401 `os` imported but unused', 'E501 Line too long (132 > 100)', 'F841 Local variable `result` is assigned to but never used', 'B006 Do not use mutable data structures for argument defaults'])}`
      : `${r.pick(ctx.files)}(${r.int(1, 300)},${r.int(1, 80)}): error TS${r.pick([2322, 2339, 2345, 7006])}: ${r.pick(["Type 'string' is not assignable to type 'number'.", "Property 'items' does not exist on type 'Result'.", "Parameter 'x' implicitly has an 'any' type."])}`,
  )
  return {
    command: py ? `cd ${ctx.root} && ruff check .` : `cd ${ctx.root} && npx tsc --noEmit`,
    output: fail ? `${body}\nFound ${n} error${n === 1 ? '' : 's'}.` : py ? 'All checks passed!' : '',
    exit: fail ? (py ? 1 : 2) : 0,
    observation: fail ? `${n} lint/type errors remain` : 'the linter is clean',
    intent: 'run the linter',
  }
}

function bigLog(ctx: Ctx): TermOut {
  const r = ctx.rng
  const target = r.int(52000, 140000)
  const parts: string[] = []
  let len = 0
  let i = 0
  while (len < target) {
    const line = `${isoDate(r)}T${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}Z ${r.pick(['INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'])} [${r.pick(['worker', 'http', 'db', 'scheduler'])}] ${r.pick(FUNCS)} ${r.pick(IDENTS)}=${r.int(0, 99999)} req=${r.hex(8)} (${i++})`
    parts.push(line)
    len += line.length + 1
  }
  return {
    command: r.pick([
      `cat /var/log/${ctx.project}/app.log`,
      `cd ${ctx.root} && npm install --verbose`,
      `journalctl -u ${ctx.project} --no-pager`,
      `find / -name "*.log" 2>/dev/null`,
    ]),
    output: parts.join('\n'),
    exit: 0,
    observation: 'the output was huge and got truncated in the middle',
    intent: 'dump the full log',
  }
}

function terminal(ctx: Ctx, opts: CallOptions): CallResult {
  const r = ctx.rng
  // Failure modes first: timeout, hard failure (-1), permission denied, missing file.
  const roll = opts.fail ? (opts.variant ?? r.int(0, 4)) : opts.truncate || opts.xss ? 99 : -1
  if (roll === 0 || (roll < 0 && r.chance(0.012))) {
    const command = r.pick([
      `cd ${ctx.root} && python -m pytest`,
      `cd ${ctx.root} && npm run build`,
      `curl -s ${ctx.site.url}`,
      'apt-get install -y chromium',
      `cd ${ctx.root} && make all`,
    ])
    return {
      name: 'terminal',
      args: { command, timeout: 180 },
      content: { output: '', exit_code: 124, error: 'Command timed out after 180 seconds' },
      failed: true,
      observation: 'the command timed out after 180 seconds',
      intent: 'run the long step',
    }
  }
  if (roll === 1 || (roll < 0 && r.chance(0.006))) {
    const err = r.pick([
      'Command blocked: potentially destructive operation requires user approval (rm -rf)',
      'Terminal session crashed: the sandbox container exited unexpectedly',
      'Failed to start command: [Errno 12] Cannot allocate memory',
      'Command execution failed: sudo is not available in this environment',
    ])
    return {
      name: 'terminal',
      args: {
        command: r.pick([
          `rm -rf ${ctx.root}/build`,
          `sudo systemctl restart ${r.pick(SERVICES)}`,
          `cd ${ctx.root} && ./deploy.sh`,
        ]),
      },
      content: { output: '', exit_code: -1, error: err },
      failed: true,
      observation: `the terminal failed: ${err}`,
      intent: 'run the command',
    }
  }
  if (roll === 2 || (roll < 0 && r.chance(0.012))) {
    const script = r.pick([
      `${ctx.root}/scripts/deploy.sh`,
      '/etc/nginx/nginx.conf',
      `/var/log/${ctx.project}/app.log`,
    ])
    const cmd = script.endsWith('.sh') ? script : `cat ${script} > /tmp/copy && echo ok`
    return {
      name: 'terminal',
      args: { command: cmd },
      content: {
        output: `bash: ${script}: Permission denied`,
        exit_code: script.endsWith('.sh') ? 126 : 1,
        error: null,
      },
      failed: true,
      observation: `${script} is not accessible: permission denied`,
      intent: 'run it directly',
    }
  }
  if (roll === 3 || (roll < 0 && r.chance(0.015))) {
    const p = missingPath(ctx)
    return {
      name: 'terminal',
      args: { command: `cat ${p}` },
      content: { output: `cat: ${p}: No such file or directory`, exit_code: 1, error: null },
      failed: true,
      observation: `${p} does not exist`,
      intent: `look at ${p}`,
    }
  }
  let t: TermOut
  if (opts.truncate) t = bigLog(ctx)
  else if (opts.xss) t = curlRun(ctx, opts)
  else {
    const kind = r.weighted<string>([
      ['test', 18],
      ['run', 14],
      ['ls', 12],
      ['git', 10],
      ['install', 7],
      ['grep', 7],
      ['system', 7],
      ['curl', 6],
      ['lint', 6],
      ['cat', 9],
      ['bg', 4],
    ])
    const fail = opts.fail || r.chance(0.32)
    if (kind === 'test') t = testRun(ctx, opts, fail)
    else if (kind === 'run') t = runScript(ctx, opts, fail && r.chance(0.6))
    else if (kind === 'ls') t = lsRun(ctx, opts)
    else if (kind === 'git') t = gitRun(ctx, opts)
    else if (kind === 'install') t = installRun(ctx, opts, fail && r.chance(0.5))
    else if (kind === 'grep') t = grepRun(ctx, opts)
    else if (kind === 'system') t = systemRun(ctx)
    else if (kind === 'curl') t = curlRun(ctx, opts)
    else if (kind === 'lint') t = lintRun(ctx, opts, fail)
    else if (kind === 'cat') {
      const file = anyFile(ctx)
      t = {
        command: `cat ${abs(ctx, file)}`,
        output: fileText(ctx, file).replace(/\n$/, ''),
        exit: 0,
        observation: `${file} looks as expected`,
        intent: `print ${file}`,
      }
    } else {
      const id = `proc_${r.hex(12)}`
      ctx.processes.push(id)
      const cmd =
        ctx.lang === 'python'
          ? `cd ${ctx.root} && uvicorn app:app --port ${ctx.vars.port}`
          : `cd ${ctx.root} && npm run dev -- --port ${ctx.vars.port}`
      return {
        name: 'terminal',
        args: { command: cmd, background: true },
        content: {
          output: 'Background process started',
          session_id: id,
          pid: r.int(1000, 60000),
          exit_code: 0,
          error: null,
        },
        failed: false,
        observation: `the dev server runs in the background as ${id}`,
        intent: 'start the dev server in the background',
      }
    }
  }
  const args: Record<string, unknown> = { command: t.command }
  if (r.chance(0.06)) args.timeout = r.pick([60, 300, 600])
  if (r.chance(0.04)) args.workdir = ctx.root
  const output = truncateOutput(t.output)
  const failed = t.exit !== 0 && !(t.command.includes('grep') && t.exit === 1)
  return {
    name: 'terminal',
    args,
    content: { output, exit_code: t.exit, error: null },
    failed,
    observation: t.observation,
    intent: t.intent,
  }
}

// ------------------------------------------------------------------------------------------------ files

function numbered(
  text: string,
  offset: number,
  limit: number,
): { content: string; total: number; truncated: boolean } {
  const all = text.replace(/\n$/, '').split('\n')
  const slice = all.slice(offset - 1, offset - 1 + limit)
  return {
    content: slice.map((l, i) => `${String(offset + i).padStart(6)}|${l}`).join('\n'),
    total: all.length,
    truncated: offset - 1 + limit < all.length,
  }
}

const utf8 = new TextEncoder()

/** A JSON-lines data export of `n` records (long lines). */
function jsonLines(ctx: Ctx, n: number): string {
  const r = ctx.rng
  const out: string[] = []
  for (let i = 0; i < n; i++)
    out.push(
      dumps({
        id: `${r.hex(8)}-${r.hex(4)}`,
        ts: `${isoDate(r)}T${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}Z`,
        user: `${r.pick(PEOPLE).toLowerCase()}${r.int(1, 999)}`,
        event: r.pick(['page_view', 'checkout', 'signup', 'refund', 'login', 'search']),
        [r.pick(IDENTS)]: r.int(0, 99999),
        amount: f(r.int(100, 999999) / 100),
        tags: r.sample(TOPICS, r.int(1, 3)),
        ok: r.chance(0.9),
      }),
    )
  return `${out.join('\n')}\n`
}

function readFile(ctx: Ctx, opts: CallOptions): CallResult {
  const r = ctx.rng
  if (opts.fail || (!opts.xss && r.chance(0.12))) {
    const p = missingPath(ctx)
    const similar = [abs(ctx, r.pick(ctx.extras)), abs(ctx, r.pick(ctx.files))].slice(0, r.int(0, 2))
    return {
      name: 'read_file',
      args: { path: p },
      content: {
        content: '',
        total_lines: 0,
        file_size: 0,
        truncated: false,
        is_binary: false,
        is_image: false,
        error: `File not found: ${p}`,
        similar_files: similar,
      },
      failed: true,
      observation: `${p} does not exist${similar.length ? `; similar files: ${similar.join(', ')}` : ''}`,
      intent: `read ${p}`,
    }
  }
  // Rarely a whole data export, read with the maximum limit (the real largest tool message is 310,274 chars).
  const dump = !opts.xss && !opts.big && r.chance(0.004)
  const file = opts.xss
    ? 'templates/index.html'
    : dump
      ? `data/${r.pick(['events', 'orders', 'export', 'records'])}.jsonl`
      : anyFile(ctx)
  if (opts.xss) ctx.fileCache.set(abs(ctx, file), html(ctx, scaled(ctx, 40, opts), xssSet(r)))
  if (dump) ctx.fileCache.set(abs(ctx, file), jsonLines(ctx, r.int(400, 1300)))
  const text = fileText(ctx, file, opts.big ? bigLines(ctx) : undefined)
  const args: Record<string, unknown> = { path: abs(ctx, file) }
  let offset = 1
  let limit = 500
  if (dump) {
    limit = 2000
    args.limit = limit
  } else if (r.chance(0.15)) {
    offset = r.int(1, 60)
    limit = r.pick([40, 80, 100, 200])
    args.offset = offset
    args.limit = limit
  }
  const n = numbered(text, offset, limit)
  return {
    name: 'read_file',
    args,
    content: {
      content: n.content,
      total_lines: n.total,
      file_size: utf8.encode(text).length,
      truncated: n.truncated,
      is_binary: false,
      is_image: false,
    },
    failed: false,
    observation: opts.xss
      ? `${file} interpolates comments without escaping`
      : `${file} has ${n.total} lines${n.truncated ? ' (only part of it shown)' : ''}`,
    intent: `read ${file}`,
  }
}

function writeFile(ctx: Ctx, opts: CallOptions): CallResult {
  const r = ctx.rng
  if (opts.fail || r.chance(0.02)) {
    const p = r.pick(['/etc/nginx/sites-available/default', '/usr/local/bin/backup.sh', '/etc/cron.d/backup'])
    return {
      name: 'write_file',
      args: { path: p, content: fileContent(ctx, p.endsWith('.sh') ? p : `${p}.conf`, 20) },
      content: { error: `Failed to write file: [Errno 13] Permission denied: '${p}'` },
      failed: true,
      observation: `writing ${p} failed with permission denied`,
      intent: `write ${p}`,
    }
  }
  const existing = r.chance(0.4)
  const rel = existing
    ? anyFile(ctx)
    : r.pick([
        ...ctx.files,
        ...ctx.tests,
        `scripts/${r.pick(FUNCS)}.${ctx.lang === 'python' ? 'py' : 'sh'}`,
        `docs/${r.pick(TOPICS).replace(/\s+/g, '_')}.md`,
        `data/report.${ctx.vars.ext === 'json' ? 'md' : 'csv'}`,
      ])
  const path = abs(ctx, rel)
  const content = fileContent(
    ctx,
    path,
    opts.big ? bigLines(ctx) : fileLines(ctx, SIZE.writeLines, SIZE.fileSigma),
  )
  ctx.fileCache.set(path, content)
  return {
    name: 'write_file',
    args: { path, content },
    content: { bytes_written: utf8.encode(content).length, dirs_created: !existing && r.chance(0.3) },
    failed: false,
    observation: `${rel} is written`,
    intent: `write ${rel}`,
  }
}

function patchFile(ctx: Ctx, opts: CallOptions): CallResult {
  const r = ctx.rng
  const rel = r.pick(ctx.files)
  const path = abs(ctx, rel)
  const text = fileText(ctx, rel)
  const all = text.split('\n').filter((l) => l.trim().length > 3)
  const start = r.int(0, Math.max(0, all.length - 3))
  const oldLines = all.slice(start, start + r.int(1, 3))
  const old = oldLines.join('\n')
  const added = `${(oldLines[0] ?? '').match(/^\s*/)?.[0] ?? ''}${/\.(py|sh|toml|ya?ml)$/.test(rel) ? '# ' : '// '}${r.pick(['guard against', 'handle', 'normalize'])} ${r.pick(IDENTS)}`
  const neu = `${old}\n${added}`
  if (r.chance(0.03)) {
    const patch = `*** Begin Patch\n*** Update File: ${rel}\n@@\n${oldLines.map((l) => ` ${l}`).join('\n')}\n+${added}\n*** End Patch`
    return {
      name: 'patch',
      args: { mode: 'patch', patch },
      content: {
        success: true,
        diff: `--- a/${rel}\n+++ b/${rel}\n@@ -${start + 1},${oldLines.length} +${start + 1},${oldLines.length + 1} @@\n${oldLines.map((l) => ` ${l}`).join('\n')}\n+${added}\n`,
        files_modified: [path],
      },
      failed: false,
      observation: `the V4A patch applied to ${rel}`,
      intent: `patch ${rel}`,
    }
  }
  if (opts.fail || r.chance(0.18)) {
    const wrong = `${old.replace(/\b(\w+)\b/, '$1_old')}`
    const body = dumps({ success: false, error: `Could not find a match for old_string in ${path}` })
    return {
      name: 'patch',
      args: { mode: 'replace', path, old_string: wrong, new_string: neu },
      content: `${body}\n\n[Hint: old_string not found. Use read_file to verify the current content, or search_files to locate the text.]`,
      failed: true,
      observation: `the patch did not apply: old_string was not found in ${rel}`,
      intent: `edit ${rel}`,
    }
  }
  ctx.fileCache.set(path, text.replace(old, neu))
  const diff = `--- a/${rel}\n+++ b/${rel}\n@@ -${start + 1},${oldLines.length} +${start + 1},${oldLines.length + 1} @@\n${oldLines.map((l) => ` ${l}`).join('\n')}\n+${added}\n`
  return {
    name: 'patch',
    args: { mode: 'replace', path, old_string: old, new_string: neu },
    content: { success: true, diff },
    failed: false,
    observation: `${rel} is patched`,
    intent: `edit ${rel}`,
  }
}

function searchFiles(ctx: Ctx, opts: CallOptions): CallResult {
  const r = ctx.rng
  if (r.chance(0.05)) {
    const path = abs(ctx, r.pick(['lib', 'app', 'source', 'pkg', 'internal/api', 'srv']))
    const pattern = r.pick([ctx.fn, 'TODO', r.pick(IDENTS)])
    return {
      name: 'search_files',
      args: { pattern, path },
      content: { error: `Path not found: ${path}`, total_count: 0 },
      failed: true,
      observation: `${path} does not exist`,
      intent: `search for ${pattern}`,
    }
  }
  if (r.chance(0.3)) {
    const glob = r.pick(['*.py', '*.ts', '*.md', '*config*', '*.json', '*.sh', '*test*'])
    const found = [...ctx.files, ...ctx.tests, ...ctx.extras]
      .filter(() => r.chance(0.5))
      .map((p) => abs(ctx, p))
    const content = found.length ? { total_count: found.length, files: found } : { total_count: 0 }
    return {
      name: 'search_files',
      args: { pattern: glob, target: 'files', path: ctx.root },
      content,
      failed: false,
      observation: found.length ? `${found.length} files match ${glob}` : `no files match ${glob}`,
      intent: `find ${glob} files`,
    }
  }
  const pattern = r.pick([
    ctx.fn,
    `def ${ctx.fn}`,
    r.pick(IDENTS),
    'TODO|FIXME',
    `import ${r.pick(LIBS_PY)}`,
    `${camel(ctx.fn)}\\(`,
    'os\\.environ',
  ])
  const args: Record<string, unknown> = { pattern, path: ctx.root }
  if (r.chance(0.4)) args.file_glob = ctx.lang === 'python' ? '*.py' : ctx.lang === 'go' ? '*.go' : '*.ts'
  if (r.chance(0.15)) args.context = r.int(1, 3)
  if (r.chance(0.15))
    return {
      name: 'search_files',
      args,
      content: { total_count: 0 },
      failed: false,
      observation: `nothing matches ${pattern}`,
      intent: `search for ${pattern}`,
    }
  const n = scaled(ctx, 9, opts)
  const shown = Math.min(n, 50)
  const matches = Array.from({ length: shown }, () => ({
    path: abs(ctx, r.pick(ctx.files)),
    line: r.int(1, 400),
    content: `${r.pick(IDENTS)} = ${pattern.replace(/\\/g, '')}(${r.pick(IDENTS)})`,
  }))
  const obj = { total_count: n, matches }
  if (n > 50) {
    return {
      name: 'search_files',
      args,
      content: `${dumps(obj)}\n\n[Hint: Results truncated. Use offset=50 to see more, or narrow with a more specific pattern or file_glob.]`,
      failed: false,
      observation: `${n} matches for ${pattern}, truncated to 50`,
      intent: `search for ${pattern}`,
    }
  }
  return {
    name: 'search_files',
    args,
    content: obj,
    failed: false,
    observation: `${n} matches for ${pattern}`,
    intent: `search for ${pattern}`,
  }
}

// ------------------------------------------------------------------------------------------ agent tools

function todo(ctx: Ctx): CallResult {
  const r = ctx.rng
  if (ctx.todos.length === 0 || r.chance(0.2)) {
    const steps = [
      `Explore ${ctx.project} structure`,
      `Reproduce the ${ctx.topic} issue`,
      `Implement ${ctx.fn} changes`,
      'Add or update tests',
      'Run the full test suite',
      'Update README / docs',
      `Verify ${ctx.topic} end to end`,
    ]
    ctx.todos = r
      .sample(steps, r.int(3, 7))
      .map((content, i) => ({ id: String(i + 1), content, status: i === 0 ? 'in_progress' : 'pending' }))
  } else {
    const idx = ctx.todos.findIndex((t) => t.status === 'in_progress')
    if (idx >= 0) (ctx.todos[idx] as { status: string }).status = 'completed'
    const next = ctx.todos.find((t) => t.status === 'pending')
    if (next) next.status = 'in_progress'
    if (r.chance(0.1) && ctx.todos.length > 2)
      (ctx.todos[ctx.todos.length - 1] as { status: string }).status = 'cancelled'
  }
  const todos = ctx.todos.map((t) => ({ ...t }))
  const count = (s: string) => todos.filter((t) => t.status === s).length
  return {
    name: 'todo',
    args: { todos, merge: r.chance(0.5) },
    content: {
      todos,
      summary: {
        total: todos.length,
        pending: count('pending'),
        in_progress: count('in_progress'),
        completed: count('completed'),
        cancelled: count('cancelled'),
      },
    },
    failed: false,
    observation: `the plan has ${count('completed')} of ${todos.length} items done`,
    intent: 'update the task list',
  }
}

function memory(ctx: Ctx): CallResult {
  const r = ctx.rng
  const target = r.chance(0.6) ? 'memory' : 'user'
  const entry =
    target === 'memory'
      ? `${ctx.project}: ${r.pick([`tests run with ${ctx.lang === 'python' ? 'pytest -q' : 'npm test'}`, `config lives in ${ctx.extras[0]}`, `deploy via scripts/deploy.sh`, `uses ${ctx.lib}`])}`
      : `${r.pick(PEOPLE)} prefers ${r.pick(['concise answers', 'type hints', 'small commits', 'British spelling', 'tabs over spaces'])}${ctx.nonAscii ? ` (${nonAsciiBit(r)})` : ''}`
  if (r.chance(0.06)) {
    return {
      name: 'memory',
      args: { action: 'add', target, content: entry },
      content: {
        success: false,
        error: `Memory at 2,150/2,200 chars. Adding this entry (${entry.length} chars) would exceed the limit. Replace or remove existing entries first.`,
      },
      failed: true,
      observation: 'memory is full',
      intent: 'remember this',
    }
  }
  const used = r.int(300, 2100)
  const entries = [
    entry,
    ...Array.from(
      { length: r.int(1, 6) },
      () => `${r.pick(['User', 'Project'])} ${r.pick(['likes', 'uses', 'avoids'])} ${r.pick(LIBS_PY)}`,
    ),
  ]
  return {
    name: 'memory',
    args: { action: 'add', target, content: entry },
    content: {
      success: true,
      target,
      entries,
      usage: `${Math.round((used / 2200) * 100)}% — ${used.toLocaleString('en-US')}/2,200 chars`,
      entry_count: entries.length,
      message: 'Entry added.',
    },
    failed: false,
    observation: 'the note is saved to memory',
    intent: 'save this to memory',
  }
}

function clarify(ctx: Ctx): CallResult {
  const r = ctx.rng
  const question = r.pick([
    `Should I keep backwards compatibility for the old ${ctx.topic} behaviour?`,
    `Which database should ${ctx.project} use?`,
    `Do you want the output as ${ctx.vars.format} or printed here?`,
    'Can I overwrite the existing config, or should I write a new file?',
  ])
  const choices = r.chance(0.7)
    ? r.sample(
        [
          'Yes, keep it',
          'No, break it',
          'PostgreSQL',
          'SQLite',
          'Overwrite',
          'New file',
          'Print it here',
          'Save to a file',
        ],
        r.int(2, 4),
      )
    : []
  if (r.chance(0.3))
    return {
      name: 'clarify',
      args: choices.length ? { question, choices } : { question },
      content: { error: 'Clarify tool is not available in this execution context.' },
      failed: true,
      observation: 'clarify is unavailable here, so I must decide myself',
      intent: 'ask the user',
    }
  return {
    name: 'clarify',
    args: choices.length ? { question, choices } : { question },
    content: {
      question,
      choices_offered: choices,
      user_response: choices.length
        ? r.pick(choices)
        : r.pick(['Go with whatever is simplest.', 'Keep it compatible please.', 'Use the defaults.']),
    },
    failed: false,
    observation: 'the user answered the question',
    intent: 'ask the user',
  }
}

function executeCode(ctx: Ctx, opts: CallOptions): CallResult {
  const r = ctx.rng
  const code = `from hermes_tools import terminal, read_file, search_files\nimport json\n\nresults = []\nfor path in ${pyJsonDumps(ctx.files.slice(0, 4).map((p) => abs(ctx, p)))}:\n    text = read_file(path)["content"]\n    hits = [l for l in text.splitlines() if "${r.pick(IDENTS)}" in l]\n    results.append({"path": path, "hits": len(hits)})\n\nout = terminal("cd ${ctx.root} && git log --oneline | wc -l")\nprint(json.dumps(results, indent=2))\nprint("commits:", out["output"].strip())\n`
  const roll = opts.fail ? (opts.variant ?? r.int(0, 1)) : r.next() < 0.08 ? 0 : r.next() < 0.02 ? 1 : 2
  if (roll === 0) {
    return {
      name: 'execute_code',
      args: { code },
      content: {
        status: 'error',
        output: `Traceback (most recent call last):\n  File "/tmp/hermes_exec_${r.hex(6)}.py", line ${r.int(5, 12)}, in <module>\n    text = read_file(path)["content"]\n${ctx.error}`,
        tool_calls_made: r.int(0, 4),
        duration_seconds: f(Math.round(r.next() * 300) / 100 + 0.05),
      },
      failed: true,
      observation: `the script raised ${ctx.error.split(':')[0]}`,
      intent: 'batch the checks in one script',
    }
  }
  if (roll === 1) {
    return {
      name: 'execute_code',
      args: { code },
      content: {
        status: 'timeout',
        output: lines(r.int(1, 5), (i) => `checked ${i + 1}`),
        tool_calls_made: r.int(3, 40),
        duration_seconds: f(300.0),
      },
      failed: true,
      observation: 'the script hit the 300 second limit',
      intent: 'batch the checks in one script',
    }
  }
  const n = scaled(ctx, 8, opts)
  const output = `[\n${lines(n, () => `  {"path": "${abs(ctx, r.pick(ctx.files))}", "hits": ${r.int(0, 30)}}`).replace(/}\n/g, '},\n')}\n]\ncommits: ${r.int(3, 900)}`
  return {
    name: 'execute_code',
    args: { code },
    content: {
      status: 'success',
      output,
      tool_calls_made: r.int(2, 12),
      duration_seconds: f(Math.round(r.next() * 900) / 100 + 0.1),
    },
    failed: false,
    observation: `the script checked ${n} files`,
    intent: 'batch the checks in one script',
  }
}

function processTool(ctx: Ctx): CallResult {
  const r = ctx.rng
  const known = ctx.processes.length > 0
  const id = known ? r.pick(ctx.processes) : `proc_${r.hex(12)}`
  const action = known
    ? r.pick(['poll', 'log', 'wait', 'kill'])
    : r.chance(0.3)
      ? 'list'
      : r.pick(['poll', 'wait'])
  if (!known && action !== 'list')
    return {
      name: 'process',
      args: { action, session_id: id },
      content: { status: 'not_found', error: `No process with session_id ${id}` },
      failed: true,
      observation: `there is no background process ${id}`,
      intent: 'check the background process',
    }
  if (action === 'list')
    return {
      name: 'process',
      args: { action },
      content: { processes: [], count: 0 },
      failed: false,
      observation: 'no background processes are running',
      intent: 'list background processes',
    }
  if (action === 'kill')
    return {
      name: 'process',
      args: { action, session_id: id },
      content: { success: true, session_id: id, status: 'killed' },
      failed: false,
      observation: `${id} is stopped`,
      intent: 'stop the server',
    }
  const crashed = r.chance(0.15)
  return {
    name: 'process',
    args: action === 'wait' ? { action, session_id: id, timeout: 30 } : { action, session_id: id },
    content: {
      session_id: id,
      status: crashed ? 'exited' : 'running',
      exit_code: crashed ? 1 : null,
      output: crashed
        ? `INFO:     Started server process [${r.int(100, 9999)}]\nERROR:    [Errno 98] Address already in use`
        : `INFO:     Uvicorn running on http://127.0.0.1:${ctx.vars.port} (Press CTRL+C to quit)\nINFO:     127.0.0.1:${r.int(30000, 60000)} - "GET /health HTTP/1.1" 200 OK`,
    },
    failed: crashed,
    observation: crashed
      ? 'the server exited: address already in use'
      : 'the server is running and answering',
    intent: 'check the background server',
  }
}

function delegate(ctx: Ctx): CallResult {
  const r = ctx.rng
  const n = r.int(1, 3)
  const goals = Array.from(
    { length: n },
    () => `${r.pick(['Review', 'Audit', 'Document', 'Test'])} ${r.pick(ctx.files)} for ${r.pick(TOPICS)}`,
  )
  const args: Record<string, unknown> =
    n === 1
      ? {
          goal: goals[0],
          context: `Project at ${ctx.root}. ${ctx.vars.Lang}. Report findings as a bullet list.`,
          toolsets: ['terminal', 'file'],
        }
      : {
          tasks: goals.map((goal) => ({
            goal,
            context: `Project root ${ctx.root}`,
            toolsets: ['terminal', 'file'],
          })),
        }
  const results = goals.map((g, i) => {
    const failed = r.chance(0.08)
    return {
      task_index: i,
      status: failed ? 'failed' : 'completed',
      summary: failed
        ? `Subagent stopped: reached max iterations (50) while working on: ${g}`
        : `${g}: found ${r.int(0, 6)} issues (${r.pick(['missing validation', 'unused imports', 'no tests for the error path', 'hard-coded paths'])}); details in the notes.`,
      api_calls: r.int(3, 50),
      duration_seconds: f(r.int(200, 20000) / 100),
    }
  })
  return {
    name: 'delegate_task',
    args,
    content: { results, total_duration_seconds: f(r.int(200, 30000) / 100) },
    failed: results.some((x) => x.status === 'failed'),
    observation: `${n} subagent${n > 1 ? 's' : ''} reported back`,
    intent: 'hand the review to subagents',
  }
}

function sessionSearch(ctx: Ctx): CallResult {
  const r = ctx.rng
  const query = r.pick([ctx.project, ctx.topic, `${ctx.lib} setup`, 'deploy script'])
  const n = r.int(0, 3)
  const results = Array.from({ length: n }, () => ({
    session_id: `${isoDate(r).replace(/-/g, '')}_${r.hex(6)}`,
    when: `${isoDate(r)} ${r.int(8, 22)}:${String(r.int(0, 59)).padStart(2, '0')}`,
    summary: `Worked on ${ctx.project}: ${r.pick(['fixed', 'set up', 'discussed'])} the ${r.pick(TOPICS)}; used \`${r.pick(['pytest -q', 'make deploy', 'npm run build'])}\`.`,
  }))
  return {
    name: 'session_search',
    args: { query },
    content: { success: true, query, results, count: n, sessions_searched: r.int(5, 200) },
    failed: false,
    observation: n ? `${n} earlier sessions mention ${query}` : `no earlier session mentions ${query}`,
    intent: 'look up earlier sessions',
  }
}

function skills(ctx: Ctx, name: string): CallResult {
  const r = ctx.rng
  const skill = r.pick([
    'python-project-setup',
    'git-workflow',
    'deploy-checklist',
    'web-scraping',
    'cron-scheduling',
    'test-driven-fix',
  ])
  if (name === 'skills_list') {
    const list = r
      .sample(
        [
          'python-project-setup',
          'git-workflow',
          'deploy-checklist',
          'web-scraping',
          'cron-scheduling',
          'test-driven-fix',
          'docker-debug',
          'csv-cleanup',
        ],
        r.int(3, 8),
      )
      .map((n) => ({
        name: n,
        description: `Procedure for ${n.replace(/-/g, ' ')}`,
        category: r.pick(['software-development', 'devops', 'data']),
      }))
    return {
      name,
      args: {},
      content: {
        success: true,
        skills: list,
        categories: [...new Set(list.map((s) => s.category))],
        count: list.length,
      },
      failed: false,
      observation: `${list.length} skills are available`,
      intent: 'see which skills exist',
    }
  }
  if (name === 'skill_view') {
    if (r.chance(0.1))
      return {
        name,
        args: { name: skill },
        content: {
          success: false,
          error: `Skill '${skill}' not found. Use skills_list to see available skills.`,
        },
        failed: true,
        observation: `there is no skill named ${skill}`,
        intent: `load the ${skill} skill`,
      }
    const body = `---\nname: ${skill}\ndescription: Steps for ${skill.replace(/-/g, ' ')}\n---\n# ${skill}\n\n${lines(r.int(4, 12), (i) => `${i + 1}. ${r.pick(['Check', 'Run', 'Verify', 'Write', 'Commit'])} ${r.pick(TOPICS)} ${r.pick(['before merging', 'with the test suite', 'in staging', 'and note the result'])}`)}`
    return {
      name,
      args: { name: skill },
      content: {
        success: true,
        name: skill,
        content: body,
        linked_files: { references: [], templates: [], scripts: [] },
      },
      failed: false,
      observation: `the ${skill} skill lists its steps`,
      intent: `load the ${skill} skill`,
    }
  }
  return {
    name,
    args: {
      action: 'create',
      name: `${ctx.project}-workflow`,
      content: `---\nname: ${ctx.project}-workflow\ndescription: How to build and test ${ctx.project}\n---\n# Steps\n1. Install deps\n2. Run the tests\n3. Deploy`,
      category: 'software-development',
    },
    content: {
      success: true,
      message: `Skill '${ctx.project}-workflow' created.`,
      path: `~/.hermes/skills/software-development/${ctx.project}-workflow/SKILL.md`,
    },
    failed: false,
    observation: 'the workflow is saved as a skill',
    intent: 'save the workflow as a skill',
  }
}

// ---------------------------------------------------------------------------------------------- browser

function snapshotText(ctx: Ctx, opts: CallOptions, full: boolean): { text: string; count: number } {
  const r = ctx.rng
  const n = scaled(ctx, full ? 120 : 60, opts, 0.8)
  const out = ['- banner:', `  - link "${ctx.site.name}" [ref=e1]`, '  - navigation:']
  let ref = 2
  const xss = opts.xss ? xssSet(r) : []
  for (let i = 0; i < n; i++) {
    const kind = r.int(0, 6)
    if (kind === 0) out.push(`  - link "${r.pick(TOPICS)}" [ref=e${ref++}]`)
    else if (kind === 1) out.push(`- heading "${r.pick(TOPICS)}" [level=${r.int(1, 3)}]`)
    else if (kind === 2)
      out.push(`- textbox "${r.pick(['Email', 'Password', 'Search', 'Name', 'Comment'])}" [ref=e${ref++}]`)
    else if (kind === 3)
      out.push(
        `- button "${r.pick(['Submit', 'Sign in', 'Next', 'Add to cart', 'Load more'])}" [ref=e${ref++}]`,
      )
    else if (kind === 4)
      out.push(
        `- listitem: ${r.pick(PEOPLE)} — ${r.pick(IDENTS)} ${r.int(1, 999)}${ctx.nonAscii && r.chance(0.2) ? ` ${nonAsciiBit(r)}` : ''}`,
      )
    else if (kind === 5)
      out.push(`- text: £${r.int(1, 99)}.${r.int(10, 99)} In stock (${r.int(1, 30)} available)`)
    else out.push(`- article:\n  - paragraph: ${r.pick(PEOPLE)} wrote about ${r.pick(TOPICS)}`)
    if (xss.length && i % 7 === 3) out.push(`- paragraph: ${xss.shift()}`)
  }
  for (const x of xss) out.push(`- paragraph: ${x}`)
  return { text: out.join('\n'), count: ref - 1 }
}

function browserFail(name: string, args: Record<string, unknown>, error: string): CallResult {
  return {
    name,
    args,
    content: { success: false, error },
    failed: true,
    observation: `the browser reported: ${error}`,
    intent: 'use the browser',
  }
}

function browser(ctx: Ctx, name: string, opts: CallOptions): CallResult {
  const r = ctx.rng
  const fail = opts.fail || (!opts.xss && r.chance(0.11))
  switch (name) {
    case 'browser_navigate': {
      const url = ctx.site.url
      if (fail)
        return browserFail(
          name,
          { url },
          r.pick([
            `net::ERR_NAME_NOT_RESOLVED at ${url}`,
            'Navigation timeout of 30000 ms exceeded',
            `net::ERR_CONNECTION_REFUSED at ${url}`,
          ]),
        )
      return {
        name,
        args: { url },
        content: { success: true, url, title: `${ctx.site.name} — ${r.pick(TOPICS)}` },
        failed: false,
        observation: `${ctx.site.name} loaded`,
        intent: `open ${url}`,
      }
    }
    case 'browser_snapshot': {
      if (fail) return browserFail(name, {}, 'No browser session. Call browser_navigate first.')
      const full = r.chance(0.2)
      const s = snapshotText(ctx, opts, full)
      // The compact view is cut at 8,000 characters (the tool's description says so).
      const snapshot =
        !full && !opts.xss && s.text.length > 8000
          ? `${s.text.slice(0, 8000)}\n... [snapshot truncated at 8000 chars; use full=true for the complete page]`
          : s.text
      return {
        name,
        args: full ? { full: true } : {},
        content: { success: true, snapshot, element_count: s.count },
        failed: false,
        observation: opts.xss
          ? 'the page shows raw script payloads from the comments'
          : `the page has ${s.count} interactive elements`,
        intent: 'see the page structure',
      }
    }
    case 'browser_click': {
      const ref = `@e${r.int(2, 40)}`
      if (fail)
        return browserFail(
          name,
          { ref },
          `Element ${ref} not found. The page may have changed; take a new snapshot.`,
        )
      return {
        name,
        args: { ref },
        content: { success: true, clicked: ref },
        failed: false,
        observation: `clicked ${ref}`,
        intent: `click ${ref}`,
      }
    }
    case 'browser_type': {
      const ref = `@e${r.int(2, 40)}`
      const text = opts.xss
        ? r.pick(XSS_PAYLOADS.slice(0, 2))
        : r.pick([
            'test@example.com',
            `${r.pick(PEOPLE)} ${r.pick(PEOPLE)}`,
            ctx.topic,
            'hunter2-but-longer',
            ctx.nonAscii ? `Grüße aus ${nonAsciiBit(r)}` : 'hello world',
          ])
      if (fail) return browserFail(name, { ref, text }, `Element ${ref} is not an editable field.`)
      return {
        name,
        args: { ref, text },
        content: { success: true, typed: text, element: ref },
        failed: false,
        observation: `typed into ${ref}`,
        intent: `fill ${ref}`,
      }
    }
    case 'browser_scroll': {
      const direction = r.chance(0.8) ? 'down' : 'up'
      return {
        name,
        args: { direction },
        content: { success: true, scrolled: direction },
        failed: false,
        observation: `scrolled ${direction}`,
        intent: 'scroll for more content',
      }
    }
    case 'browser_back':
      return {
        name,
        args: {},
        content: { success: true, url: ctx.site.url },
        failed: false,
        observation: 'back on the previous page',
        intent: 'go back',
      }
    case 'browser_press': {
      const key = r.pick(['Enter', 'Tab', 'Escape', 'ArrowDown'])
      return {
        name,
        args: { key },
        content: { success: true, pressed: key },
        failed: false,
        observation: `pressed ${key}`,
        intent: `press ${key}`,
      }
    }
    case 'browser_close':
      return {
        name,
        args: {},
        content: { success: true, closed: true },
        failed: false,
        observation: 'the browser is closed',
        intent: 'close the browser',
      }
    case 'browser_get_images': {
      const n = scaled(ctx, 6, opts)
      const images = Array.from({ length: n }, (_, i) => ({
        src: `${ctx.site.url.replace(/\/$/, '')}/media/${r.pick(['cover', 'thumb', 'banner', 'photo'])}_${i}.${r.pick(['jpg', 'png', 'webp'])}`,
        alt: r.pick(['', 'Product photo', 'Logo', r.pick(TOPICS)]),
      }))
      return {
        name,
        args: {},
        content: { success: true, images, count: n },
        failed: false,
        observation: `${n} images on the page`,
        intent: 'list the images',
      }
    }
    case 'browser_vision': {
      const question = r.pick([
        'Is there an error message visible?',
        'What does the chart show?',
        'Is the layout broken on this page?',
        'Is there a CAPTCHA?',
      ])
      if (fail) return browserFail(name, { question }, 'Screenshot failed: page crashed or is still loading.')
      return {
        name,
        args: { question },
        content: {
          success: true,
          analysis: `The screenshot shows ${ctx.site.name} with a ${r.pick(['header, a sidebar and a product grid', 'login form and a red error banner', 'bar chart of monthly totals', 'cookie consent dialog covering the content'])}. ${r.pick(['No error is visible.', 'An error banner reads "Invalid credentials".', 'The chart peaks in March.', 'The footer overlaps the last row of cards.'])}`,
        },
        failed: false,
        observation: 'the screenshot analysis answered the question',
        intent: 'look at the page visually',
      }
    }
    default: {
      const msgs = Array.from({ length: r.int(0, 5) }, () => ({
        type: r.pick(['log', 'warning', 'error']),
        text: r.pick([
          '[HMR] connected',
          'Failed to load resource: the server responded with a status of 404 ()',
          "Uncaught TypeError: Cannot read properties of null (reading 'addEventListener')",
          'Deprecation warning: componentWillMount',
        ]),
      }))
      return {
        name,
        args: {},
        content: {
          success: true,
          console_messages: msgs,
          js_errors: msgs.filter((m) => m.type === 'error').map((m) => m.text),
          total_messages: msgs.length,
        },
        failed: false,
        observation: `${msgs.length} console messages`,
        intent: 'check the console for errors',
      }
    }
  }
}

// -------------------------------------------------------------------------------------------- glm extras

function extra(ctx: Ctx, name: string, opts: CallOptions): CallResult {
  const r = ctx.rng
  if (name === 'web_extract') {
    const urls = [ctx.site.url, ...(r.chance(0.3) ? [`https://docs.${r.pick(LIBS_PY)}.org/en/latest/`] : [])]
    const results = urls.map((url) =>
      r.chance(0.08)
        ? { url, title: '', content: '', error: 'Timeout after 30s' }
        : {
            url,
            title: `${r.pick(TOPICS)} | ${ctx.site.name}`,
            content: `# ${r.pick(TOPICS)}\n\n${lines(scaled(ctx, 20, opts), () => `- ${r.pick(PEOPLE)}: ${r.pick(['released', 'documented', 'deprecated', 'fixed'])} ${r.pick(TOPICS)} (${r.int(1, 900)} points)`)}`,
          },
    )
    return {
      name,
      args: { urls },
      content: { results },
      failed: results.some((x) => 'error' in x),
      observation: `extracted ${urls.length} page(s)`,
      intent: 'pull the page content as markdown',
    }
  }
  if (name === 'vision_analyze') {
    const image_url = r.chance(0.5)
      ? `${ctx.root}/screenshots/${r.pick(['home', 'error', 'chart'])}.png`
      : `${ctx.site.url.replace(/\/$/, '')}/media/cover_1.jpg`
    return {
      name,
      args: { image_url, question: 'What does this image show?' },
      content: {
        success: true,
        analysis: `The image shows ${r.pick(['a dashboard with three charts', 'a stack trace in a terminal window', 'a product photo on a white background', 'a login form'])}.`,
      },
      failed: false,
      observation: 'the image was described',
      intent: 'analyze the image',
    }
  }
  if (name === 'text_to_speech') {
    const text = `Summary for ${ctx.project}: ${r.pick(TOPICS)} is done.`
    return {
      name,
      args: { text },
      content: {
        success: true,
        file_path: `/root/.hermes/audio_cache/tts_${r.hex(8)}.mp3`,
        media_tag: `MEDIA:/root/.hermes/audio_cache/tts_${r.hex(8)}.mp3`,
        provider: 'edge',
        voice_compatible: true,
      },
      failed: false,
      observation: 'the audio summary is ready',
      intent: 'read the summary aloud',
    }
  }
  const prompt = `A clean flat illustration of ${r.pick(TOPICS)} for the ${ctx.project} landing page`
  return {
    name,
    args: { prompt, aspect_ratio: 'landscape' },
    content: r.chance(0.1)
      ? { success: false, image: null, error: 'Image generation failed: content policy or quota' }
      : { success: true, image: `https://fal.media/files/${r.hex(6)}/${r.hex(20)}.png` },
    failed: false,
    observation: 'the image was generated',
    intent: 'generate an illustration',
  }
}

/** Makes one call of `tool` with its result. */
export function makeCall(ctx: Ctx, tool: string, opts: CallOptions = {}): CallResult {
  if (tool === 'terminal') return terminal(ctx, opts)
  if (tool === 'read_file') return readFile(ctx, opts)
  if (tool === 'write_file') return writeFile(ctx, opts)
  if (tool === 'patch') return patchFile(ctx, opts)
  if (tool === 'search_files') return searchFiles(ctx, opts)
  if (tool === 'todo') return todo(ctx)
  if (tool === 'memory') return memory(ctx)
  if (tool === 'clarify') return clarify(ctx)
  if (tool === 'execute_code') return executeCode(ctx, opts)
  if (tool === 'process') return processTool(ctx)
  if (tool === 'delegate_task') return delegate(ctx)
  if (tool === 'session_search') return sessionSearch(ctx)
  if (tool.startsWith('skill')) return skills(ctx, tool)
  if (tool.startsWith('browser_')) return browser(ctx, tool, opts)
  return extra(ctx, tool, opts)
}

/** A call to a tool that is not in the row's toolset, answered with hermes-agent's unknown-tool error. */
export function unknownToolCall(ctx: Ctx, name: string): CallResult {
  const r = ctx.rng
  const args: Record<string, unknown> =
    name === 'web_search'
      ? { query: `${ctx.lib} ${ctx.topic} example` }
      : name.startsWith('browser_')
        ? { url: ctx.site.url }
        : name === 'python'
          ? { code: `print(open("${abs(ctx, r.pick(ctx.files))}").read())` }
          : { command: `ls ${ctx.root}` }
  return {
    name,
    args,
    content: { error: `Unknown tool: ${name}` },
    failed: true,
    observation: `${name} is not an available tool`,
    intent: `use ${name}`,
  }
}
