/**
 * Categories (with the card's row counts), invented subcategories and task templates.
 *
 * The 9 category names and counts are the card's; subcategory names are not published, so these are
 * invented (26 for kimi, 18 for glm-5.1). Task templates use `{slot}` placeholders filled from a row's
 * scenario (see context.ts).
 */
import type { ToolsetId } from './toolsets.ts'

/** One category of a config. */
export interface CategorySpec {
  name: string
  /** Row count on the card, per config. */
  counts: { kimi: number; glm: number }
  /** Toolset choice for rows of this category. */
  toolsets: readonly (readonly [ToolsetId, number])[]
  /** Subcategories with their task templates; `glm: false` hides one from glm-5.1. */
  subcategories: readonly SubcategorySpec[]
}

/** One subcategory. */
export interface SubcategorySpec {
  name: string
  glm: boolean
  tasks: readonly string[]
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'Terminal & Coding',
    counts: { kimi: 2010, glm: 2237 },
    toolsets: [
      ['coding', 7],
      ['full', 3],
    ],
    subcategories: [
      {
        name: 'Debugging',
        glm: true,
        tasks: [
          'Fix the {error} raised by {fn} in {project}',
          'My {Lang} script {file} crashes with {error}; find out why and fix it',
          'The {test} suite fails after the last refactor of {module}; make it pass again',
          'Debug why {project} hangs on startup when the {topic} is enabled',
          '{fn} returns wrong totals for refunds; track down the bug',
        ],
      },
      {
        name: 'Script Writing',
        glm: true,
        tasks: [
          'Write a {Lang} script that downloads the daily report and saves it as {format}',
          'Create a CLI tool in {Lang} that renames photos by their EXIF date',
          'Write a script to dedupe the contacts in data/contacts.{ext} by email',
          'Build a small {Lang} utility that watches a folder and compresses new log files',
          'Write a bash script that checks disk usage and warns above {n}%',
        ],
      },
      {
        name: 'Build & Dependencies',
        glm: true,
        tasks: [
          'Upgrade {lib} in {project} and fix whatever breaks',
          'Set up a reproducible dev environment for {project} with a Makefile',
          'The Docker build for {project} fails at the install step; fix it',
          'Pin the dependencies of {project} and add a lock file',
        ],
      },
      {
        name: 'Testing',
        glm: false,
        tasks: [
          'Add unit tests for {fn} in {module} covering the edge cases',
          'Raise test coverage of {project} above {n}% and report what is still missing',
          'Write integration tests for the {topic} of {project}',
          'Make the flaky test in {test} deterministic',
        ],
      },
    ],
  },
  {
    name: 'Agent Tools',
    counts: { kimi: 1474, glm: 2775 },
    toolsets: [
      ['agent', 7],
      ['full', 3],
    ],
    subcategories: [
      {
        name: 'Memory & Skills',
        glm: true,
        tasks: [
          'Remember that I prefer {Lang} with type hints and save a skill for our release steps',
          'Create a reusable skill for deploying {project} and store my preferences',
          'Look up the skill for {topic} and apply it to {project}',
          'Save my project conventions for {project} to memory',
        ],
      },
      {
        name: 'Delegation',
        glm: true,
        tasks: [
          'Split the audit of {project} into subtasks and delegate them in parallel',
          'Have a subagent review {module} while you update the docs',
          'Delegate research on {lib} alternatives and summarize the findings',
        ],
      },
      {
        name: 'Code Execution',
        glm: true,
        tasks: [
          'Use a script to scan {project} for unused functions and report them',
          'Compute per-month totals from data/sales.{ext} with a Python script',
          'Run a batch check of all config files in {project} and summarize errors',
          'Analyze the access logs and list the top {n} slowest endpoints',
        ],
      },
      {
        name: 'Session Recall',
        glm: false,
        tasks: [
          'Continue where we left off last time on the {topic} of {project}',
          'What did we decide about {lib} in our earlier session? Apply it here',
          'Find the command we used before to rebuild the {project} index',
        ],
      },
    ],
  },
  {
    name: 'Repository Tasks',
    counts: { kimi: 1109, glm: 1022 },
    toolsets: [
      ['coding', 6],
      ['full', 4],
    ],
    subcategories: [
      {
        name: 'Codebase Exploration',
        glm: true,
        tasks: [
          'Explain how the {topic} works in {project} and where it is implemented',
          'Map out the module structure of {project} and write an ARCHITECTURE.md',
          'Find every place {project} reads environment variables',
          'Where does {project} validate user input? Summarize the gaps',
        ],
      },
      {
        name: 'Refactoring',
        glm: true,
        tasks: [
          'Refactor {module} to remove the duplicated {topic} code',
          'Split {file} into smaller modules without changing behaviour',
          'Replace the hand-written retry loops in {project} with a shared helper',
          'Convert {project} from callbacks to async/await',
        ],
      },
      {
        name: 'Git Operations',
        glm: false,
        tasks: [
          'Clean up the git history of {branch} and squash the fixup commits',
          'Resolve the merge conflicts between main and {branch}',
          'Find which commit broke the {topic} using git bisect',
          'Prepare a release branch for {project} v{n}.0 with a changelog',
        ],
      },
    ],
  },
  {
    name: 'Browser Automation',
    counts: { kimi: 1048, glm: 639 },
    toolsets: [
      ['browser', 8],
      ['full', 2],
    ],
    subcategories: [
      {
        name: 'Web Scraping',
        glm: true,
        tasks: [
          'Collect the top {n} entries from {site} and save them as {format}',
          'Scrape book titles and prices from {site} into a spreadsheet',
          'Extract all image URLs from {site} and download the largest ones',
          'Get the latest release notes of {lib} from its website',
        ],
      },
      {
        name: 'Form Filling',
        glm: true,
        tasks: [
          'Fill in the signup form on {site} with the test account details',
          'Submit the feedback form at {url} with the text from notes.md',
          'Log into {site} and update the profile email',
        ],
      },
      {
        name: 'UI Testing',
        glm: false,
        tasks: [
          'Check that the login page of {site} shows an error for a wrong password',
          'Walk through the checkout flow on {site} and report any broken step',
          'Test whether the comment box on {site} escapes HTML properly',
          'Verify the dark mode toggle on {url} persists after reload',
        ],
      },
    ],
  },
  {
    name: 'Multi-Tool',
    counts: { kimi: 807, glm: 52 },
    toolsets: [
      ['full', 8],
      ['agent', 2],
    ],
    subcategories: [
      {
        name: 'Research & Report',
        glm: true,
        tasks: [
          'Research how other projects handle {topic} and write a short report',
          'Compare {lib} with two alternatives and recommend one for {project}',
          'Gather the current prices from {site} and produce a summary table',
        ],
      },
      {
        name: 'Data Pipeline',
        glm: true,
        tasks: [
          'Download the dataset, clean it and export a {format} summary',
          'Build a pipeline that fetches {site} daily and stores changes in SQLite',
          'Merge the three CSV exports in data/ and chart monthly totals',
        ],
      },
      {
        name: 'End-to-End Workflows',
        glm: false,
        tasks: [
          'Set up {project}, run it locally, and check the UI in the browser',
          'Fix the failing deploy of {project} and verify the live page',
          'Create a landing page for {project}, serve it, and screenshot it',
        ],
      },
    ],
  },
  {
    name: 'File Operations',
    counts: { kimi: 757, glm: 134 },
    toolsets: [
      ['files', 7],
      ['full', 3],
    ],
    subcategories: [
      {
        name: 'File Organization',
        glm: true,
        tasks: [
          'Sort the files in ~/Downloads into folders by type',
          'Find and remove duplicate images under ~/Pictures/{n}',
          'Rename all the scanned invoices in ~/docs to YYYY-MM-DD format',
        ],
      },
      {
        name: 'Config Editing',
        glm: true,
        tasks: [
          'Update the nginx config to proxy /api to port {port}',
          'Add a staging section to config/settings.yaml for {project}',
          'Move the secrets in {project} from config.py into a .env file',
        ],
      },
      {
        name: 'Document Generation',
        glm: false,
        tasks: [
          'Write a README for {project} with setup and usage sections',
          'Generate API docs for {module} as Markdown',
          'Turn the meeting notes in notes/ into a single summary document',
        ],
      },
    ],
  },
  {
    name: 'Scheduling',
    counts: { kimi: 204, glm: 104 },
    toolsets: [
      ['planning', 6],
      ['full', 4],
    ],
    subcategories: [
      {
        name: 'Cron Jobs',
        glm: true,
        tasks: [
          'Schedule the backup script to run {when}',
          'Set up a cron job that rotates the {project} logs {when}',
          'Run the price check {when} and email me when it drops',
        ],
      },
      {
        name: 'Reminders',
        glm: true,
        tasks: [
          'Remind me {when} to review the open pull requests',
          'Create a recurring reminder to renew the TLS certificate',
          'Set up a weekly summary of my todo list sent {when}',
        ],
      },
    ],
  },
  {
    name: 'Planning & Organization',
    counts: { kimi: 201, glm: 92 },
    toolsets: [
      ['planning', 8],
      ['full', 2],
    ],
    subcategories: [
      {
        name: 'Project Planning',
        glm: true,
        tasks: [
          'Plan the migration of {project} to {lib} and break it into steps',
          'Draft a roadmap for {project} for the next {n} weeks',
          'Help me plan the launch checklist for {project}',
        ],
      },
      {
        name: 'Task Tracking',
        glm: true,
        tasks: [
          'Organize my todo list for this week and prioritize it',
          'Track the remaining work on the {topic} and update the plan',
          'Turn the TODO comments in {project} into a task list',
        ],
      },
    ],
  },
  {
    name: 'Conversational',
    counts: { kimi: 36, glm: 0 },
    toolsets: [
      ['planning', 7],
      ['full', 3],
    ],
    subcategories: [
      {
        name: 'General Q&A',
        glm: false,
        tasks: [
          'What is the difference between a process and a thread?',
          'Explain how {lib} handles {topic}',
          'Can you check what version of {Lang} is installed here?',
        ],
      },
      {
        name: 'Clarification',
        glm: false,
        tasks: ['Help me with my project', 'Can you fix the thing from before?', 'Set it up like last time'],
      },
    ],
  },
]

/** Categories of a config with their weights (count) and the subcategories present in that config. */
export function categoriesFor(
  config: string,
): { spec: CategorySpec; count: number; subs: SubcategorySpec[] }[] {
  const glm = config !== 'kimi'
  return CATEGORIES.map((spec) => ({
    spec,
    count: glm ? spec.counts.glm : spec.counts.kimi,
    subs: spec.subcategories.filter((s) => !glm || s.glm),
  })).filter((c) => c.count > 0)
}

/** Card proportions per category for a config (sums to 1). */
export function categoryShares(config: string): Record<string, number> {
  const cats = categoriesFor(config)
  const total = cats.reduce((s, c) => s + c.count, 0)
  return Object.fromEntries(cats.map((c) => [c.spec.name, c.count / total]))
}

const PHI = 0.6180339887498949

/**
 * The category of row `index`: a golden-ratio (low-discrepancy) sequence through the cumulative card
 * proportions, so any prefix of rows has nearly the card's mix.
 */
export function categoryOfRow(config: string, index: number, seed: number) {
  const cats = categoriesFor(config)
  const total = cats.reduce((s, c) => s + c.count, 0)
  const offset = ((seed * 0.7548776662466927) % 1) + (config === 'kimi' ? 0 : 0.5)
  const u = (offset + index * PHI) % 1
  let acc = 0
  for (const c of cats) {
    acc += c.count / total
    if (u < acc) return c
  }
  return cats[cats.length - 1] as (typeof cats)[number]
}
