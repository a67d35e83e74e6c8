/**
 * Tool definitions, the six toolsets of each config, and the exact hermes-agent system prompt.
 *
 * Names are the 26 real kimi tool names (docs/dataset.md); GLM toolsets add four plausible extras. Descriptions
 * and parameter schemas are written in the style of hermes-agent; the `required` lists follow docs/dataset.md.
 */
import { pyJsonDumps } from '../../../shared/pyjson.ts'

/** One tool: OpenAI function form without the wrapper. */
export interface ToolSpec {
  name: string
  description: string
  parameters: Record<string, unknown>
}

const str = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'string',
  description,
  ...extra,
})
const int = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'integer',
  description,
  ...extra,
})
const bool = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'boolean',
  description,
  ...extra,
})
const obj = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties,
  required,
})

const SPECS: ToolSpec[] = [
  {
    name: 'terminal',
    description:
      'Execute a shell command on a Linux environment. Filesystem persists between calls. Set `background=true` for long-running servers, then use the `process` tool to poll or kill them. Do not use cat/head/tail to read files (use read_file), grep/rg/find to search (use search_files), or sed/awk/echo redirection to edit files (use patch or write_file). Commands time out after 180 seconds unless `timeout` is given. Output over 50,000 characters is truncated (head and tail kept).',
    parameters: obj(
      {
        command: str('The command to execute on the VM'),
        background: bool(
          'Whether to run the command in the background (returns a session_id for the process tool)',
          { default: false },
        ),
        timeout: int('Command timeout in seconds (default: 180)', { minimum: 1 }),
        workdir: str(
          'Working directory for this command (absolute path). Defaults to the session working directory.',
        ),
      },
      ['command'],
    ),
  },
  {
    name: 'process',
    description:
      "Manage background processes started with terminal(background=true). Actions: 'list' (show all), 'poll' (check status and new output), 'log' (full output with pagination), 'wait' (block until done or timeout), 'kill' (terminate), 'write' (send raw stdin data without a newline), 'submit' (send data plus Enter).",
    parameters: obj(
      {
        action: str('Action to perform on background processes', {
          enum: ['list', 'poll', 'log', 'wait', 'kill', 'write', 'submit'],
        }),
        session_id: str(
          "Process session ID (from terminal background output). Required for all actions except 'list'.",
        ),
        data: str("Text to send to process stdin (for 'write' and 'submit' actions)"),
        timeout: int("Max seconds to block for 'wait' action. Returns partial output on timeout.", {
          minimum: 1,
        }),
        offset: int("Line offset for 'log' action (default: last 200 lines)"),
        limit: int("Max lines to return for 'log' action", { minimum: 1 }),
      },
      ['action'],
    ),
  },
  {
    name: 'read_file',
    description:
      "Read a text file with line numbers and pagination. Use this instead of cat/head/tail in terminal. Output format: 'LINE_NUM|CONTENT'. Suggests similar filenames if not found. Use offset and limit for large files. NOTE: Cannot read images or binary files; use vision_analyze for images.",
    parameters: obj(
      {
        path: str('Path to the file to read (absolute, relative, or ~/path)'),
        offset: int('Line number to start reading from (1-indexed, default: 1)', { default: 1, minimum: 1 }),
        limit: int('Maximum number of lines to read (default: 500, max: 2000)', {
          default: 500,
          maximum: 2000,
        }),
      },
      ['path'],
    ),
  },
  {
    name: 'write_file',
    description:
      'Write content to a file, completely replacing existing content. Use this instead of echo/cat heredoc in terminal. Creates parent directories automatically. OVERWRITES the entire file; use patch for targeted edits.',
    parameters: obj(
      {
        path: str('Path to the file to write (will be created if it does not exist, overwritten if it does)'),
        content: str('Complete content to write to the file'),
      },
      ['path', 'content'],
    ),
  },
  {
    name: 'patch',
    description:
      "Targeted find-and-replace edits in files. Use this instead of sed/awk in terminal. Uses fuzzy matching (9 strategies) so minor whitespace or indentation differences won't break it. Returns a unified diff. Auto-runs syntax checks after editing.\n\nReplace mode (default): find a unique string and replace it.\nPatch mode: apply V4A multi-file patches for bulk changes.",
    parameters: obj(
      {
        mode: str("Edit mode: 'replace' for targeted find-and-replace, 'patch' for V4A multi-file patches", {
          enum: ['replace', 'patch'],
          default: 'replace',
        }),
        path: str('File path to edit (required for replace mode)'),
        old_string: str(
          'Text to find in the file (required for replace mode). Must be unique in the file unless replace_all=true. Include enough surrounding context to ensure uniqueness.',
        ),
        new_string: str(
          'Replacement text (required for replace mode). Can be empty string to delete the matched text.',
        ),
        replace_all: bool('Replace all occurrences instead of requiring a unique match (default: false)', {
          default: false,
        }),
        patch: str('V4A format patch content (required for patch mode)'),
      },
      ['mode'],
    ),
  },
  {
    name: 'search_files',
    description:
      "Search file contents or find files by name. Use this instead of grep/rg/find/ls in terminal. Ripgrep-backed, faster than shell equivalents.\n\nContent search (target='content'): regex search inside files. Output modes: full matches with line numbers, file paths only, or match counts.\n\nFile search (target='files'): find files by glob pattern (e.g. '*.py', '*config*'). Also use this instead of ls; results sorted by modification time.",
    parameters: obj(
      {
        pattern: str('Regex pattern for content search, or glob pattern (e.g. *.py) for file search'),
        target: str("'content' searches inside file contents, 'files' searches for files by name", {
          enum: ['content', 'files'],
          default: 'content',
        }),
        path: str('Directory or file to search in (default: current working directory)', { default: '.' }),
        file_glob: str("Filter files by pattern in content search (e.g. '*.py' to only search Python files)"),
        limit: int('Maximum number of results to return (default: 50)', { default: 50 }),
        offset: int('Skip first N results for pagination (default: 0)', { default: 0 }),
        output_mode: str(
          "Output format for content search: 'content' shows matching lines with line numbers, 'files_only' lists file paths, 'count' shows match counts per file",
          { enum: ['content', 'files_only', 'count'], default: 'content' },
        ),
        context: int('Number of context lines before and after each match (content mode only)', {
          default: 0,
        }),
      },
      ['pattern'],
    ),
  },
  {
    name: 'todo',
    description:
      "Manage your task list for the current session. Use for complex tasks with 3+ steps or when the user provides multiple tasks. Call with no parameters to read the current list.\n\nWriting:\n- Provide 'todos' array to create/update items\n- merge=false (default): replace the entire list with a fresh plan\n- merge=true: update existing items by id, add any new ones\n\nEach item: {id: string, content: string, status: pending|in_progress|completed|cancelled}. Only ONE item in_progress at a time. Mark items completed immediately when done.",
    parameters: obj(
      {
        todos: {
          type: 'array',
          description: 'Task items to write. Omit to read current list.',
          items: obj(
            {
              id: str('Unique item identifier'),
              content: str('Task description'),
              status: str('Current status', { enum: ['pending', 'in_progress', 'completed', 'cancelled'] }),
            },
            ['id', 'content', 'status'],
          ),
        },
        merge: bool(
          'true: update existing items by id, add new ones. false (default): replace the entire list.',
          {
            default: false,
          },
        ),
      },
      [],
    ),
  },
  {
    name: 'memory',
    description:
      "Save important information to persistent memory that survives across sessions. Your memory appears in your system prompt at session start. Two targets: 'memory' (your personal notes: environment facts, project conventions, lessons learned) and 'user' (who the user is: name, role, preferences, communication style). Keep entries compact; memory has a character limit.",
    parameters: obj(
      {
        action: str('The action to perform.', { enum: ['add', 'replace', 'remove'] }),
        target: str("Which memory store: 'memory' for personal notes, 'user' for user profile.", {
          enum: ['memory', 'user'],
        }),
        content: str("The entry content. Required for 'add' and 'replace'."),
        old_text: str('Short unique substring identifying the entry to replace or remove.'),
      },
      ['action', 'target'],
    ),
  },
  {
    name: 'clarify',
    description:
      'Ask the user a question when you need clarification, feedback, or a decision before proceeding. Supports multiple choice (up to 4 choices, the UI adds an "Other" option) and open-ended questions. Use sparingly: prefer reasonable defaults for minor details.',
    parameters: obj(
      {
        question: str('The question to present to the user.'),
        choices: {
          type: 'array',
          items: { type: 'string' },
          maxItems: 4,
          description: 'Up to 4 answer choices. Omit for an open-ended question.',
        },
      },
      ['question'],
    ),
  },
  {
    name: 'execute_code',
    description:
      "Run a Python script that can call Hermes tools programmatically. Use this when you need 3+ tool calls with processing logic between them, need to filter/reduce large tool outputs before they enter your context, or need conditional branching. Import tools with `from hermes_tools import terminal, read_file, write_file, search_files, patch, web_extract`. Only the script's stdout is returned. Scripts time out after 300 seconds.",
    parameters: obj(
      {
        code: str(
          'Python code to execute. Import tools with `from hermes_tools import ...` and print your final result to stdout.',
        ),
      },
      ['code'],
    ),
  },
  {
    name: 'delegate_task',
    description:
      'Spawn one or more subagents to work on tasks in isolated contexts. Each subagent gets its own conversation, terminal session, and toolset. Only the final summary is returned; intermediate tool results never enter your context window. Provide either `goal` for a single task or `tasks` for up to 3 tasks run in parallel. Subagents know nothing about your conversation: pass all relevant file paths, error messages and constraints via `context`.',
    parameters: obj(
      {
        goal: str('What the subagent should accomplish. Be specific and self-contained.'),
        context: str(
          'Background information the subagent needs: file paths, error messages, project structure, constraints.',
        ),
        toolsets: {
          type: 'array',
          items: { type: 'string' },
          description:
            "Toolsets to enable for this subagent. Default: inherits your enabled toolsets. Common patterns: ['terminal', 'file'] for code work, ['web'] for research.",
        },
        tasks: {
          type: 'array',
          description: 'Batch mode: up to 3 tasks to run in parallel. Each has goal, context and toolsets.',
          items: obj(
            {
              goal: str('Task goal'),
              context: str('Task-specific context'),
              toolsets: { type: 'array', items: { type: 'string' }, description: 'Toolsets for this task' },
            },
            ['goal'],
          ),
          maxItems: 3,
        },
        max_iterations: int('Max tool-calling turns per subagent (default: 50).'),
      },
      [],
    ),
  },
  {
    name: 'session_search',
    description:
      "Search your long-term memory of past conversations. Every past session is searchable, and this tool summarizes what happened. USE THIS PROACTIVELY when the user says 'we did this before', 'remember when', 'last time', or references a topic you worked on before but do not have in context. Returns summaries of the matching sessions.",
    parameters: obj(
      {
        query: str('Search query: keywords, phrases, or boolean expressions to find in past sessions.'),
        role_filter: str(
          "Optional: only search messages from specific roles (comma-separated), e.g. 'user,assistant'.",
        ),
        limit: int('Max sessions to summarize (default: 3, max: 5).', { default: 3 }),
      },
      ['query'],
    ),
  },
  {
    name: 'skills_list',
    description:
      'List available skills (name and description). Use skill_view(name) to load full content. Skills are reusable procedures for recurring task types.',
    parameters: obj({ category: str('Optional category filter to narrow results') }, []),
  },
  {
    name: 'skill_view',
    description:
      "Skills allow loading information about specific tasks and workflows, as well as scripts and templates. Load a skill's full content or access its linked files (references, templates, scripts). First call returns SKILL.md content plus a 'linked_files' dict showing available references/templates/scripts.",
    parameters: obj(
      {
        name: str('The skill name (use skills_list to see available skills)'),
        file_path: str("OPTIONAL: Path to a linked file within the skill (e.g. 'references/api.md')."),
      },
      ['name'],
    ),
  },
  {
    name: 'skill_manage',
    description:
      'Manage skills (create, update, delete). Skills are your procedural memory: reusable approaches for recurring task types. Create when: a complex task succeeded (5+ calls), errors were overcome, or a non-trivial workflow was discovered. Actions: create (full SKILL.md + optional category), patch (old_string/new_string), edit (full SKILL.md rewrite), delete, write_file, remove_file.',
    parameters: obj(
      {
        action: str('The action to perform.', {
          enum: ['create', 'patch', 'edit', 'delete', 'write_file', 'remove_file'],
        }),
        name: str('Skill name (lowercase, hyphens/underscores, max 64 chars).'),
        content: str(
          'Full SKILL.md content (YAML frontmatter + markdown body). Required for create and edit.',
        ),
        old_string: str('Text to find in the file (required for patch).'),
        new_string: str('Replacement text (required for patch).'),
        category: str('Optional category/domain for organizing the skill.'),
        file_path: str('Path to a supporting file within the skill directory.'),
        file_content: str('Content for the file. Required for write_file.'),
      },
      ['action', 'name'],
    ),
  },
  {
    name: 'browser_navigate',
    description:
      'Navigate to a URL in the browser. Initializes the session and loads the page. Must be called before other browser tools. For plain-text pages (APIs, docs, raw files) prefer web_extract or terminal curl. After navigating, use browser_snapshot to see page elements with their ref IDs.',
    parameters: obj({ url: str('The URL to navigate to (e.g., https://example.com)') }, ['url']),
  },
  {
    name: 'browser_snapshot',
    description:
      "Get a text-based snapshot of the current page's accessibility tree. Returns interactive elements with ref IDs (like @e1, @e2) for browser_click and browser_type. full=false (default): compact view with interactive elements. full=true: complete page content. Snapshots over 8000 chars are truncated.",
    parameters: obj(
      {
        full: bool(
          'If true, returns complete page content. If false (default), returns compact view with interactive elements only.',
          { default: false },
        ),
      },
      [],
    ),
  },
  {
    name: 'browser_click',
    description:
      'Click on an element identified by its ref ID from the snapshot (e.g., @e5). The ref IDs are shown in square brackets in the snapshot output. Requires browser_navigate and browser_snapshot to be called first.',
    parameters: obj({ ref: str("The element reference from the snapshot (e.g., '@e5', '@e12')") }, ['ref']),
  },
  {
    name: 'browser_type',
    description:
      'Type text into an input field identified by its ref ID. Clears the field first, then types the new text. Requires browser_navigate and browser_snapshot to be called first.',
    parameters: obj(
      {
        ref: str("The element reference from the snapshot (e.g., '@e3')"),
        text: str('The text to type into the field'),
      },
      ['ref', 'text'],
    ),
  },
  {
    name: 'browser_scroll',
    description:
      'Scroll the page in a direction. Use this to reveal more content that may be below or above the current viewport.',
    parameters: obj({ direction: str('Direction to scroll', { enum: ['up', 'down'] }) }, ['direction']),
  },
  {
    name: 'browser_back',
    description: 'Navigate back to the previous page in browser history.',
    parameters: obj({}, []),
  },
  {
    name: 'browser_press',
    description:
      'Press a keyboard key. Useful for submitting forms (Enter), navigating (Tab), or keyboard shortcuts.',
    parameters: obj({ key: str("Key to press (e.g., 'Enter', 'Tab', 'Escape', 'ArrowDown')") }, ['key']),
  },
  {
    name: 'browser_close',
    description: 'Close the browser session and release resources. Call this when done with browser tasks.',
    parameters: obj({}, []),
  },
  {
    name: 'browser_get_images',
    description:
      'Get a list of all images on the current page with their URLs and alt text. Useful for finding images to analyze with browser_vision.',
    parameters: obj({}, []),
  },
  {
    name: 'browser_vision',
    description:
      'Take a screenshot of the current page and analyze it with vision AI. Use this when you need to visually understand what is on the page: CAPTCHAs, charts, layout problems, or content the accessibility tree does not expose.',
    parameters: obj(
      {
        question: str(
          'What you want to know about the page visually. Be specific about what you are looking for.',
        ),
        annotate: bool('If true, overlays numbered [N] labels on interactive elements.', { default: false }),
      },
      ['question'],
    ),
  },
  {
    name: 'browser_console',
    description:
      'Get browser console output and JavaScript errors from the current page. Returns console.log/warn/error/info messages and uncaught JS exceptions. Use this to detect silent JavaScript errors, failed API calls, and application warnings.',
    parameters: obj(
      { clear: bool('If true, clear the message buffers after reading', { default: false }) },
      [],
    ),
  },
  // GLM-only extras (the real GLM toolsets are larger than kimi's; their names are not published).
  {
    name: 'web_extract',
    description:
      'Extract content from web page URLs. Returns page content in markdown format. Also works with PDF URLs. Pages under 5000 chars return full markdown; larger pages are LLM-summarized and capped at ~5000 chars per page. If a URL fails or times out, use the browser tool to access it instead.',
    parameters: obj(
      {
        urls: {
          type: 'array',
          items: { type: 'string' },
          description: 'List of URLs to extract content from (max 5 URLs per call)',
          maxItems: 5,
        },
      },
      ['urls'],
    ),
  },
  {
    name: 'vision_analyze',
    description:
      'Analyze images using AI vision. Provides a comprehensive description and answers a specific question about the image content.',
    parameters: obj(
      {
        image_url: str('Image URL (http/https) or local file path to analyze.'),
        question: str(
          'Your specific question or request about the image to resolve. The AI will automatically provide a complete image description AND answer your specific question.',
        ),
      },
      ['image_url', 'question'],
    ),
  },
  {
    name: 'text_to_speech',
    description:
      'Convert text to speech audio. Returns a MEDIA: path that the platform delivers as a voice message. Keep text under 4000 characters.',
    parameters: obj(
      {
        text: str('The text to convert to speech.'),
        output_path: str(
          'Optional custom file path to save the audio. Defaults to ~/.hermes/audio_cache/<timestamp>.mp3',
        ),
      },
      ['text'],
    ),
  },
  {
    name: 'image_generate',
    description:
      'Generate high-quality images from text prompts. Returns a single image URL. Display it using markdown: ![description](URL)',
    parameters: obj(
      {
        prompt: str('The text prompt describing the desired image. Be detailed and descriptive.'),
        aspect_ratio: str('The aspect ratio of the generated image.', {
          enum: ['landscape', 'square', 'portrait'],
          default: 'landscape',
        }),
      },
      ['prompt'],
    ),
  },
]

/**
 * Usage guidance appended to the descriptions (hermes-agent's descriptions are long: the real kimi `tools`
 * column is 5,334 to 24,878 characters for 11 to 26 tools). Lengths are tuned so the six kimi toolsets
 * measure like docs/dataset.md (see KIMI_SETS).
 */
const GUIDANCE: Record<string, string> = {
  terminal:
    '\n\nWhen to use: builds, installs, git, running scripts and tests, package managers, network checks, and anything else that needs a real shell. Prefer the dedicated file tools for reading, searching and editing files: their output is structured and cheaper.\n\nForeground commands (default) return when they finish, with combined stdout and stderr in `output` and the process status in `exit_code`. A non-zero exit code is not an error of the tool: read the output and decide. Use `timeout` for long builds or downloads instead of splitting them artificially.\n\nBackground commands (`background=true`) return at once with a `session_id`; poll them with the process tool. Use this for dev servers, watchers and anything that never exits. Never run interactive programs (vim, less, top, python without arguments): they block until the timeout.\n\nEach call runs in a fresh shell, but the working directory and files persist. Chain dependent steps with `&&` and pass `workdir` rather than relying on a previous `cd`. Quote paths that contain spaces.',
  process:
    '\n\nTypical flow: start a server with terminal(background=true), then `poll` until it prints its ready line, exercise it with curl or the browser, and `kill` it when done. `log` returns the full output with pagination when `poll` only shows the tail. `wait` is for jobs that finish on their own, such as a long test run started in the background. Processes that exit keep their final output and exit code until they are listed once more. Output is kept until killed.',
  read_file: '\n\nLarge files are paginated: continue with `offset`.',
  write_file: '\n\nReturns the number of bytes written and whether parent directories were created.',
  patch: '\n\nPrefer patch over write_file for small changes to large files.',
  search_files: '\n\nResults are capped by `limit`; use `offset` to page through them.',
  todo: '\n\nWhen to use: multi-step work where the user benefits from seeing progress, requests that list several deliverables, or tasks that will span many tool calls. Skip it for single quick actions.\n\nGood items are concrete and verifiable ("Add a --dry-run flag to backup.sh", not "Improve script"). Update the list as soon as the state of an item changes instead of batching updates at the end. If the plan changes, cancel the obsolete items rather than deleting them so the history stays visible. The tool returns the full list and a summary with counts per status after every write.\n\nKeep the list short (3 to 10 items) and at a consistent level of detail. Mark an item in_progress before starting it and completed right after verifying it, so the list always reflects the real state of the work.',
  memory:
    "\n\nWhat to save: stable facts that will matter in a future session, such as the user's name and role, preferred languages and tools, formatting preferences, project locations, deploy procedures, credentials locations (never the secrets themselves), and lessons learned from mistakes. What not to save: one-off task details, large outputs, anything already in the current conversation only, or guesses.\n\nActions: 'add' appends an entry; 'replace' swaps the entry containing `old_text` for the new content; 'remove' deletes the entry containing `old_text`. The response shows the current entries and how much of the character budget is used. When memory is nearly full, merge related entries or remove stale ones before adding more. Entries should be short, declarative sentences. Avoid duplicates: check the current entries first.",
  clarify:
    "\n\nGood reasons to ask: the request is ambiguous in a way that changes the result (which of two databases, overwrite or keep), the action is destructive or irreversible, or required information (a path, an account, a date) is missing and cannot be discovered with the other tools. Bad reasons: confirming something you could check yourself, or asking permission for routine steps. Ask one focused question at a time and offer concrete choices when they exist. In non-interactive runs the tool returns an error; then pick the most reasonable default and say which one you chose.\n\nThe response contains the question, the choices offered and the user's answer.",
  execute_code:
    "\n\nAvailable inside the script: terminal(command, timeout=None, workdir=None) returns a dict with output and exit_code; read_file(path, offset=1, limit=500) returns a dict with content and total_lines; write_file(path, content); search_files(pattern, target='content', path='.', file_glob=None, limit=50); patch(path, old_string, new_string); web_extract(urls). Each helper call counts as a tool call and runs with the same permissions as the direct tool.\n\nWhen to use: loops over many files, aggregating or filtering large outputs before they reach your context, retries with custom logic, or chains of calls where each step depends on parsing the previous result. When not to use: a single command (use terminal) or a single file edit (use patch).\n\nThe script runs with Python 3.11 and the standard library plus the packages installed in the environment. Keep the printed output short and structured (JSON is good): only stdout comes back, stderr is dropped unless the script fails. On an exception the traceback is returned with status 'error'. The response reports how many tool calls the script made and how long it ran.\n\nLimits: scripts time out after 300 seconds and may make at most 50 tool calls. Network access follows the same rules as the terminal. Files written by the script persist like any other file. Do not use the script to hide destructive operations from the user: the same approval rules apply as for direct tool calls, and blocked commands fail inside the script too.",
  delegate_task:
    "\n\nWhen to delegate: independent pieces of work that need many tool calls of their own (auditing a module, researching alternatives, writing tests for a separate package), or exploration whose intermediate output would flood your context. When not to delegate: small tasks you can do in a few calls, work that needs the user's input, or steps that depend on each other in sequence.\n\nWrite each goal as a complete brief: what to do, where the files are, what done looks like, and what format the summary should take. Subagents cannot ask you questions and cannot see your conversation, your memory or earlier tool results. Results come back as one summary per task with its status, the number of API calls it used and its duration. Review summaries critically: a subagent may report success without having verified its work, so spot-check important claims yourself. Failed tasks report why they stopped, for example the iteration limit.",
  session_search:
    "\n\nHow it works: past sessions are indexed by their messages and tool results. The query is matched against that index, the best sessions are loaded, and each one is summarized with respect to the query. Results include the session id, when it happened, and the summary.\n\nTips: search for distinctive terms (project names, error messages, file names, commands) rather than generic words. If nothing is found, try a shorter or differently worded query before concluding that the topic was never discussed. Do not search for things the user just told you in this conversation.\n\nUse `role_filter` to restrict matches to the user's own words when looking for a past request or preference, and to assistant messages when looking for a command or fix you produced.",
  skills_list:
    '\n\nSkills are organized by category (for example software-development, devops, data, writing). Check the list at the start of a complex or recurring task: an existing skill usually encodes steps, pitfalls and commands that worked before, and following it is faster than rediscovering them. The listing only shows names, categories and one-line descriptions; load the full text with skill_view before applying a skill.\n\nIf no skill fits, do the task normally and consider saving the procedure with skill_manage afterwards. Pass `category` to narrow a long list to one area.',
  skill_view:
    '\n\nThe main SKILL.md holds the procedure: when to use the skill, prerequisites, numbered steps, verification, and known pitfalls. Linked files hold supporting material such as reference notes, templates and helper scripts; load them only when a step needs them. Follow the procedure unless the current situation clearly differs, and say so when you deviate. If a skill turns out to be wrong or outdated, fix it with skill_manage after the task succeeds.\n\nIf the skill does not exist, the response says so and lists similar names.',
  skill_manage:
    "\n\nA good skill has YAML frontmatter (name, description, optional category and tags) and a markdown body with: when to use it, prerequisites, numbered steps with the exact commands, how to verify the result, and pitfalls with their fixes. Write it for a future session that knows nothing about today's conversation. Do not store secrets, personal data or one-off details.\n\nUse 'patch' for small corrections, 'edit' to rewrite a skill that drifted, 'write_file' to add a template or script next to SKILL.md, and 'delete' only when a skill is wrong and cannot be fixed. Names must be unique within the skills directory; creating a skill with an existing name fails.\n\nAfter a create or edit, view the skill once to check that the frontmatter parses and the steps read well. Keep each skill focused on one kind of task; split a skill that grew to cover several unrelated procedures into separate skills with clear names.",
  browser_navigate: ' Redirects are followed; the final URL and page title are returned.',
  browser_snapshot: ' Take a new snapshot after every navigation or click.',
  browser_click: ' Links and buttons that open a new page wait for it to load.',
  browser_type: ' To submit, follow with browser_press Enter or click the submit button.',
  browser_scroll: ' Scrolls one viewport height; take a snapshot afterwards to see the new elements.',
  browser_back: ' Returns the URL of the page it went back to.',
  browser_press: ' The key goes to the focused element.',
  browser_close: ' Further browser calls start a new session.',
  browser_get_images: ' Returns absolute URLs and alt text.',
  browser_vision: ' Slower than browser_snapshot; use it when the text snapshot is not enough.',
  browser_console: ' Messages are kept from the last navigation on.',
}

for (const spec of SPECS) spec.description += GUIDANCE[spec.name] ?? ''

/** Every tool the generator knows, by name. */
export const TOOLS: ReadonlyMap<string, ToolSpec> = new Map(SPECS.map((s) => [s.name, s]))

/** The 26 real kimi tool names. */
export const KIMI_TOOL_NAMES = [
  'clarify',
  'delegate_task',
  'execute_code',
  'memory',
  'patch',
  'process',
  'read_file',
  'search_files',
  'session_search',
  'skill_manage',
  'skill_view',
  'skills_list',
  'terminal',
  'todo',
  'write_file',
  'browser_back',
  'browser_click',
  'browser_close',
  'browser_console',
  'browser_get_images',
  'browser_navigate',
  'browser_press',
  'browser_scroll',
  'browser_snapshot',
  'browser_type',
  'browser_vision',
] as const

/** Tools invented for GLM toolsets. */
export const GLM_EXTRA_TOOL_NAMES = [
  'web_extract',
  'vision_analyze',
  'text_to_speech',
  'image_generate',
] as const

/**
 * Names that appear in calls but belong to no toolset (the "unknown tool" deviation). The real kimi config
 * has 42 such calls with 29 names, such as "shell" and " functions read_file" (docs/dataset.md); the others here
 * are invented in the same spirit. Tools of another toolset (a browser tool in a core row) count too.
 */
export const FOREIGN_TOOL_NAMES = [
  'shell',
  ' functions read_file',
  'functions.terminal',
  'bash',
  'python',
  'web_search',
  'str_replace_editor',
  'list_directory',
  'open_url',
  'run_command',
  'execute_command',
  'file_read',
  'read',
  'cat',
  'view_file',
  'edit_file',
  'create_file',
  'apply_patch',
  'grep',
  'find_files',
  'run_python',
  'fetch',
  'http_get',
  'browser_open',
  ' functions terminal',
  'terminal.run',
]

const BROWSER = KIMI_TOOL_NAMES.filter((n) => n.startsWith('browser_'))
const FILE = ['read_file', 'write_file', 'patch', 'search_files']
const TERMINAL = ['terminal', 'process']
const SKILLS = ['skills_list', 'skill_view', 'skill_manage']
const AGENT_EXTRAS = [
  'todo',
  'memory',
  'clarify',
  'execute_code',
  'delegate_task',
  'session_search',
  ...SKILLS,
]

/** Toolset ids of glm-5.1 (its real toolsets are not published: six invented ones, larger than kimi's). */
export type GlmToolsetId = 'full' | 'coding' | 'browser' | 'files' | 'agent' | 'planning'

/**
 * Toolset ids of kimi: the six toolsets docs/dataset.md describes ("core file/terminal tools 6,071 rows; a 15-tool
 * agent set 527; browser + core 658; browser + file tools 185; browser + terminal 167; browser only 38").
 */
export type KimiToolsetId =
  | 'core'
  | 'agent'
  | 'browser_core'
  | 'browser_file'
  | 'browser_terminal'
  | 'browser'

export type ToolsetId = GlmToolsetId | KimiToolsetId

/**
 * With the descriptions above, the `tools` column of these sets is 8,709 (core), 24,878 (agent), 14,043,
 * 10,197, 9,178 and 5,333 characters: with the row shares below, min 5,334 / median 8,709 / mean 10,312 /
 * max 24,878 like the real column.
 */
const KIMI_SETS: Record<KimiToolsetId, readonly string[]> = {
  core: [...TERMINAL, ...FILE],
  agent: [...TERMINAL, ...FILE, ...AGENT_EXTRAS],
  browser_core: [...TERMINAL, ...FILE, ...BROWSER],
  browser_file: [...FILE, ...BROWSER],
  browser_terminal: [...TERMINAL, ...BROWSER],
  browser: [...BROWSER],
}

const KIMI_FULL = [...TERMINAL, ...FILE, ...AGENT_EXTRAS, ...BROWSER]

const GLM_SETS: Record<GlmToolsetId, readonly string[]> = {
  full: [...KIMI_FULL, ...GLM_EXTRA_TOOL_NAMES],
  coding: [...TERMINAL, ...FILE, ...AGENT_EXTRAS, 'web_extract', 'vision_analyze'],
  browser: [
    ...BROWSER,
    'terminal',
    ...FILE,
    'todo',
    'memory',
    'clarify',
    'execute_code',
    'web_extract',
    'vision_analyze',
    'session_search',
  ],
  files: [...FILE, ...TERMINAL, 'todo', 'memory', 'clarify', 'web_extract', 'execute_code'],
  agent: [
    ...TERMINAL,
    ...FILE,
    ...AGENT_EXTRAS,
    'web_extract',
    'vision_analyze',
    'image_generate',
    'text_to_speech',
  ],
  planning: [
    'todo',
    'memory',
    'clarify',
    'session_search',
    ...FILE,
    'terminal',
    'skills_list',
    'skill_view',
    'web_extract',
    'text_to_speech',
    'execute_code',
  ],
}

/** Config name -> toolset id -> tool names. */
export function toolsetNames(config: string, id: ToolsetId): readonly string[] {
  const names = config === 'kimi' ? KIMI_SETS[id as KimiToolsetId] : GLM_SETS[id as GlmToolsetId]
  if (!names) throw new Error(`no toolset ${id} in ${config}`)
  return names
}

/** A rendered toolset: names, the `tools` column text and the system message. */
export interface Toolset {
  id: ToolsetId
  names: ReadonlySet<string>
  /** JSON text of the `tools` column (OpenAI form). */
  toolsJson: string
  /** The complete system message. */
  system: string
}

const PROMPT_HEAD =
  "You are a function calling AI model. You are provided with function signatures within <tools> </tools> XML tags. You may call one or more functions to assist with the user query. If available tools are not relevant in assisting with user query, just respond in natural conversational language. Don't make assumptions about what values to plug into functions. After calling & executing the functions, you will be provided with function results within <tool_response> </tool_response> XML tags. Here are the available tools:\n<tools>\n"
const PROMPT_TAIL =
  "\n</tools>\nFor each function call return a JSON object, with the following pydantic model json schema for each:\n{'title': 'FunctionCall', 'type': 'object', 'properties': {'name': {'title': 'Name', 'type': 'string'}, 'arguments': {'title': 'Arguments', 'type': 'object'}}, 'required': ['name', 'arguments']}\nEach function call should be enclosed within <tool_call> </tool_call> XML tags.\nExample:\n<tool_call>\n{'name': <function-name>,'arguments': <args-dict>}\n</tool_call>"

/** The hermes-agent system prompt for a list of tools. */
export function systemPrompt(specs: readonly ToolSpec[]): string {
  const list = specs.map((s) => ({
    name: s.name,
    description: s.description,
    parameters: s.parameters,
    required: null,
  }))
  return PROMPT_HEAD + pyJsonDumps(list, { ensureAscii: false }) + PROMPT_TAIL
}

/** The `tools` column text for a list of tools. */
export function toolsColumn(specs: readonly ToolSpec[]): string {
  const list = specs.map((s) => ({
    type: 'function',
    function: { name: s.name, description: s.description, parameters: s.parameters },
  }))
  return pyJsonDumps(list, { ensureAscii: false })
}

const cache = new Map<string, Toolset>()

/** The rendered toolset (memoized). */
export function toolset(config: string, id: ToolsetId): Toolset {
  const key = `${config}:${id}`
  let ts = cache.get(key)
  if (!ts) {
    const names = toolsetNames(config, id)
    const specs = names.map((n) => {
      const spec = TOOLS.get(n)
      if (!spec) throw new Error(`unknown tool ${n}`)
      return spec
    })
    ts = { id, names: new Set(names), toolsJson: toolsColumn(specs), system: systemPrompt(specs) }
    cache.set(key, ts)
  }
  return ts
}

/** All toolset ids of a config. */
export function toolsetIds(config: string): readonly ToolsetId[] {
  return Object.keys(config === 'kimi' ? KIMI_SETS : GLM_SETS) as ToolsetId[]
}
