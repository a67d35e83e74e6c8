/**
 * The scenario of one row: project, language, files, site... Everything a row's messages refer to, so
 * calls, outputs and reasoning stay consistent within the row.
 */
import type { Rng } from './random.ts'
import {
  CLASSES,
  FUNCS,
  JS_ERRORS,
  LIBS_JS,
  LIBS_PY,
  MODULES,
  NON_ASCII_SNIPPETS,
  PROJECTS,
  PY_ERRORS,
  SCHEDULES,
  SITES,
  TOPICS,
} from './vocab.ts'

export type Lang = 'python' | 'typescript' | 'javascript' | 'go' | 'rust' | 'bash'

const LANG_LABEL: Record<Lang, string> = {
  python: 'Python',
  typescript: 'TypeScript',
  javascript: 'JavaScript',
  go: 'Go',
  rust: 'Rust',
  bash: 'Bash',
}

/** Mutable per-row state shared by the content builders. */
export interface Ctx {
  rng: Rng
  config: string
  category: string
  subcategory: string
  lang: Lang
  project: string
  /** Absolute project directory. */
  root: string
  /** Relative source files of the project (the first is the "main" file). */
  files: string[]
  /** Relative test files. */
  tests: string[]
  /** Other project files (README, configs). */
  extras: string[]
  /** File contents seen so far in this row (absolute path -> text). */
  fileCache: Map<string, string>
  site: { name: string; url: string }
  topic: string
  lib: string
  error: string
  fn: string
  cls: string
  module: string
  branch: string
  schedule: readonly [string, string]
  /** Multiplier for the size of tool payloads (file contents, logs). */
  payload: number
  /** Whether this row sprinkles non-ASCII text. */
  nonAscii: boolean
  /** Background process ids started so far. */
  processes: string[]
  /** Todo items of the row's plan. */
  todos: { id: string; content: string; status: string }[]
  /** Slot values for templates. */
  vars: Record<string, string>
}

function sourceFiles(
  rng: Rng,
  lang: Lang,
  pkg: string,
): { files: string[]; tests: string[]; extras: string[] } {
  const mods = rng.sample(MODULES, rng.int(3, 7))
  switch (lang) {
    case 'python':
      return {
        files: [`src/${pkg}/__init__.py`, ...mods.map((m) => `src/${pkg}/${m}.py`), `src/${pkg}/main.py`],
        tests: mods.slice(0, 3).map((m) => `tests/test_${m}.py`),
        extras: ['pyproject.toml', 'requirements.txt', 'README.md', '.env.example', 'Makefile'],
      }
    case 'typescript':
      return {
        files: ['src/index.ts', ...mods.map((m) => `src/${m}.ts`)],
        tests: mods.slice(0, 3).map((m) => `test/${m}.test.ts`),
        extras: ['package.json', 'tsconfig.json', 'README.md', '.env.example'],
      }
    case 'javascript':
      return {
        files: ['src/index.js', ...mods.map((m) => `src/${m}.js`), 'public/index.html'],
        tests: mods.slice(0, 2).map((m) => `test/${m}.test.js`),
        extras: ['package.json', 'README.md', '.eslintrc.json'],
      }
    case 'go':
      return {
        files: [`cmd/${pkg}/main.go`, ...mods.map((m) => `internal/${m}/${m}.go`)],
        tests: mods.slice(0, 2).map((m) => `internal/${m}/${m}_test.go`),
        extras: ['go.mod', 'Makefile', 'README.md'],
      }
    case 'rust':
      return {
        files: ['src/main.rs', ...mods.map((m) => `src/${m}.rs`)],
        tests: ['tests/integration.rs'],
        extras: ['Cargo.toml', 'README.md'],
      }
    case 'bash':
      return {
        files: mods.map((m) => `scripts/${m}.sh`),
        tests: ['tests/run_tests.sh'],
        extras: ['config/settings.conf', 'README.md', 'crontab.txt'],
      }
  }
}

/** Builds the scenario of a row. */
export function makeContext(
  rng: Rng,
  config: string,
  category: string,
  subcategory: string,
  payload: number,
  nonAscii: boolean,
): Ctx {
  const lang = rng.weighted<Lang>([
    ['python', 45],
    ['typescript', 16],
    ['javascript', 12],
    ['go', 8],
    ['rust', 5],
    ['bash', 14],
  ])
  const project = rng.pick(PROJECTS)
  const pkg = project.replace(/-/g, '_')
  const root = rng.weighted<string>([
    [`/root/${project}`, 5],
    [`/home/user/projects/${project}`, 3],
    [`/workspace/${project}`, 2],
    [`/root/work/${project}`, 1],
  ])
  const { files, tests, extras } = sourceFiles(rng, lang, pkg)
  const site = rng.pick(SITES)
  const lib = rng.pick(lang === 'python' || lang === 'bash' ? LIBS_PY : LIBS_JS)
  const error = rng.pick(lang === 'python' || lang === 'bash' ? PY_ERRORS : JS_ERRORS)
  const fn = rng.pick(FUNCS)
  const module = (files[1] ?? files[0] ?? 'main').replace(/^.*\//, '').replace(/\.\w+$/, '')
  const schedule = rng.pick(SCHEDULES)
  const topic = rng.pick(TOPICS)
  const ctx: Ctx = {
    rng,
    config,
    category,
    subcategory,
    lang,
    project,
    root,
    files,
    tests,
    extras,
    fileCache: new Map(),
    site,
    topic,
    lib,
    error,
    fn,
    cls: rng.pick(CLASSES),
    module,
    branch: rng.pick(['feature/', 'fix/', 'chore/']) + topic.replace(/\s+/g, '-'),
    schedule,
    payload,
    nonAscii,
    processes: [],
    todos: [],
    vars: {},
  }
  ctx.vars = {
    project,
    Lang: LANG_LABEL[lang],
    lang: LANG_LABEL[lang].toLowerCase(),
    file: files[1] ?? files[0] ?? 'main.py',
    module,
    fn,
    cls: ctx.cls,
    test: tests[0] ?? 'tests',
    site: site.name,
    url: site.url,
    topic,
    lib,
    error,
    branch: ctx.branch,
    when: schedule[0],
    cron: schedule[1],
    format: rng.pick(['CSV', 'JSON', 'Markdown', 'an Excel file']),
    ext: rng.pick(['csv', 'json']),
    n: String(rng.pick([3, 5, 10, 20, 25, 80, 90])),
    port: String(rng.pick([3000, 5000, 8000, 8080, 9000])),
    root,
  }
  return ctx
}

/** Fills `{slot}` placeholders from the context. */
export function fill(template: string, ctx: Ctx): string {
  return template.replace(/\{(\w+)\}/g, (m, key: string) => ctx.vars[key] ?? m)
}

/** A random non-ASCII snippet. */
export function nonAsciiBit(rng: Rng): string {
  return rng.pick(NON_ASCII_SNIPPETS)
}

/** Absolute path of a project-relative path. */
export function abs(ctx: Ctx, rel: string): string {
  return rel.startsWith('/') || rel.startsWith('~') ? rel : `${ctx.root}/${rel}`
}
