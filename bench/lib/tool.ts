// What the bench's tools (bench/tools/*.ts) share: reading their options and running them.
import { cleanupAll } from './cleanup.js'

/** The value after `name` on the command line ('' when `name` is last), undefined without it. */
export function option(name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : (process.argv[at + 1] ?? '')
}

/** Runs a tool: an error is printed and fails the exit code; whatever it started is stopped. */
export function runTool(main: () => Promise<void>): void {
  main()
    .catch((err: unknown) => {
      console.error(err)
      process.exitCode = 1
    })
    .finally(() => cleanupAll())
}
