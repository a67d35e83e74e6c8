/**
 * The Hub stand-in from a shell: `node scripts/dev/fake-hub-cli.ts --dir sample-data --port 8790
 * [--repo owner/name] [--host 127.0.0.1] [--revision SHA]`; prints the URL it listens on (use it as
 * `HF_ENDPOINT`), then serves until SIGINT/SIGTERM.
 */
import { resolve } from 'node:path'
import { parseFlags } from '../lib/cli-args.ts'
import { DEFAULT_REPO, startFakeHub } from './fake-hub.ts'

async function main(): Promise<void> {
  const values = parseFlags(process.argv.slice(2), {
    dir: { type: 'string', default: 'sample-data' },
    port: { type: 'string', default: '8790' },
    host: { type: 'string', default: '127.0.0.1' },
    repo: { type: 'string', default: DEFAULT_REPO },
    revision: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    process.stdout.write(
      'usage: node scripts/dev/fake-hub-cli.ts [--dir sample-data] [--port 8790] [--host 127.0.0.1]\n' +
        `                                        [--repo ${DEFAULT_REPO}] [--revision SHA]\n`,
    )
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port "${values.port}"`)
  const hub = await startFakeHub({
    dir: values.dir,
    port,
    host: values.host,
    repo: values.repo,
    ...(values.revision ? { revision: values.revision } : {}),
  })
  process.stdout.write(`${hub.url}\n`)
  process.stderr.write(
    `fake hub: ${hub.repo}@${hub.sha} from ${resolve(values.dir)} (${hub.files.length} files); ` +
      `HF_ENDPOINT=${hub.url}\n`,
  )
  const stop = () => {
    hub.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`fake hub: ${(err as Error)?.message ?? String(err)}\n`)
  process.exit(1)
})
