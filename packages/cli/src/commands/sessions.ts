// `claude-agent sessions ls|show|rm`: the server's session API.
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { clientSetup, newClient } from '../connect.js'
import { EXIT, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { makeStyle, wantsColor } from '../style.js'

export const SESSIONS_HELP = `Usage: claude-agent sessions ls [--json]
       claude-agent sessions show ID
       claude-agent sessions rm ID

  ls       every session: id, state, attached clients, last event seq
  show     one session's details (config with secrets redacted, the live agent) as JSON
  rm       delete a session (its clients are disconnected; the default session stays)
  --json   ls as JSON

${CONNECTION_HELP}`

const OPTIONS = { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } as const

export async function sessions(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  if (values.help) return io.print(SESSIONS_HELP)
  const [action, id, ...rest] = positionals
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
  if (action !== 'ls' && action !== 'show' && action !== 'rm')
    throw new UsageError('sessions needs ls, show ID or rm ID (see claude-agent sessions --help)')
  if (action !== 'ls' && !id) throw new UsageError(`sessions ${action} needs a session ID`)
  const setup = clientSetup(values, io.env)
  const client = newClient(setup, false)
  const style = makeStyle(wantsColor(io.stdout, io.env))
  try {
    if (setup.starts) await client.start()
    if (action === 'show') {
      io.stdout.write(`${JSON.stringify(await client.sessions.get(id!), null, 2)}\n`)
    } else if (action === 'rm') {
      await client.sessions.delete(id!)
      io.stderr.write(`deleted ${id}\n`)
    } else {
      const list = await client.sessions.list()
      if (values.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`)
      else
        for (const s of list) io.stdout.write(`${style.bold(s.id)}\t${s.state}\t${s.clients} client(s)\tseq ${s.lastSeq}\t${s.createdAt}\n`)
    }
    return EXIT.ok
  } finally {
    await client.stop()
  }
}
