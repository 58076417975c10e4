// `claude-agent serve`: the server itself, exactly as `npm start` runs it: the server package's
// own entry point (its settings, .env, signals), loaded in this process with our arguments.
import { pathToFileURL } from 'node:url'
import { EXIT } from '../errors.js'
import type { Io } from '../io.js'

export const SERVE_HELP = `Usage: claude-agent serve [server options]

Run claude-agent-server here, with the same settings as \`npm start\` (the environment, a .env
in this directory, and the options below). Needs the @claude-agent/server package.

`

/** The server package's main.js, next to its index.js. */
export function serverMain(): string | undefined {
  try {
    return new URL('./main.js', import.meta.resolve('@claude-agent/server')).href
  } catch {
    return undefined
  }
}

export async function serve(argv: string[], io: Io): Promise<number | 'running'> {
  const main = serverMain()
  if (!main) {
    io.stderr.write('claude-agent serve needs the @claude-agent/server package: npm install @claude-agent/server\n')
    return EXIT.failed
  }
  if (argv.includes('--help') || argv.includes('-h')) io.stdout.write(SERVE_HELP)
  // The server's main reads process.argv itself and prints its own usage for --help.
  process.argv = [process.argv[0]!, new URL(main).pathname, ...argv]
  await import(pathToFileURL(new URL(main).pathname).href)
  return 'running'
}
