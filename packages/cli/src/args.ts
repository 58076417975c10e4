// Argument parsing for every subcommand: node:util parseArgs with the connection options added,
// `--help` everywhere, and a UsageError (exit 2) for anything parseArgs refuses.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/** Where to connect: shared by every command that talks to a server. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  local: { type: 'boolean' },
  e2b: { type: 'boolean' },
  'e2b-session': { type: 'string' },
  'e2b-on-exit': { type: 'string' },
  debug: { type: 'boolean' },
} as const satisfies Options

export const CONNECTION_HELP = `Where to connect (every command but serve):
  --url URL        the server (default: $CLAUDE_AGENT_URL, else http://127.0.0.1:3000)
  --token TOKEN    its bearer token (default: $CLAUDE_AGENT_TOKEN)
  --local          start a server on this machine for this command (stopped at the end)
  --e2b            start one in an E2B sandbox ($E2B_API_KEY; E2B_DOMAIN, E2B_API_URL as the SDK reads them)
  --e2b-session ID with --e2b: the sandbox of this id (a user, a task): found and resumed, else created
  --e2b-on-exit X  with --e2b: kill (default), pause (resume it later by --e2b-session) or keep the sandbox
  --debug          log every frame and request to stderr (secrets redacted)
`

export interface Parsed<T extends Options> {
  values: { [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : T[K] extends { multiple: true } ? string[] : string } & {
    help?: boolean
  }
  positionals: string[]
}

export function parse<T extends Options>(argv: string[], options: T): Parsed<T> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
    return { values: values as Parsed<T>['values'], positionals }
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}
