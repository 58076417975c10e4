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
  debug: { type: 'boolean' },
} as const satisfies Options

export const CONNECTION_HELP = `Where to connect (every command but serve):
  --url URL        the server (default: $CLAUDE_AGENT_URL, else http://127.0.0.1:3000)
  --token TOKEN    its bearer token (default: $CLAUDE_AGENT_TOKEN)
  --local          start a server on this machine for this command (stopped at the end)
  --e2b            start one in an E2B sandbox ($E2B_API_KEY)
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
