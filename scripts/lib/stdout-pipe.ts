/**
 * A CLI whose output is piped into a reader that stops early (`npm run stats ... | head`): the reader going away is
 * not a failure of the command, so it exits 0 quietly instead of dying on an unhandled EPIPE with a stack trace. Any
 * other error writing stdout exits 1 with one line naming the command.
 */
export function exitQuietlyWhenStdoutCloses(command: string): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
    process.stderr.write(`${command}: cannot write to stdout: ${err.message}\n`)
    process.exit(1)
  })
}
