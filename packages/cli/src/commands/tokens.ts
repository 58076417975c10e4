// `claude-agent tokens create|ls|revoke`: the server's run-time tokens (admins only). A new
// token's value is printed once, on stdout alone, so a script can capture it.
import { ROLES, type Role } from '@claude-agent/protocol'
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { clientSetup, newClient } from '../connect.js'
import { EXIT, UsageError } from '../errors.js'
import type { Io } from '../io.js'

export const TOKENS_HELP = `Usage: claude-agent tokens create --label LABEL [--role admin|member|viewer]
       claude-agent tokens ls
       claude-agent tokens revoke ID

Run-time tokens (an admin's token is needed). create prints the new token's value on stdout,
once: the server keeps only its hash. --role defaults to member.

${CONNECTION_HELP}`

const OPTIONS = { ...CONNECTION_OPTIONS, label: { type: 'string' }, role: { type: 'string' } } as const

export async function tokens(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  if (values.help) return io.print(TOKENS_HELP)
  const [action, id, ...rest] = positionals
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
  if (action !== 'create' && action !== 'ls' && action !== 'revoke')
    throw new UsageError('tokens needs create, ls or revoke (see claude-agent tokens --help)')
  if (action === 'create' && !values.label) throw new UsageError('tokens create needs --label')
  if (action === 'revoke' && !id) throw new UsageError('tokens revoke needs an ID (see claude-agent tokens ls)')
  const role = (values.role ?? 'member') as Role
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${values.role}"`)
  const setup = clientSetup(values, io.env)
  const client = newClient(setup, false)
  try {
    if (setup.starts) await client.start()
    if (action === 'create') {
      const created = await client.tokens.create({ label: values.label!, role })
      io.stderr.write(`created ${created.token.id} (${created.token.label}, ${created.token.role}); its value, shown once:\n`)
      io.stdout.write(`${created.secret}\n`)
    } else if (action === 'ls') {
      for (const t of await client.tokens.list()) io.stdout.write(`${t.id}\t${t.label}\t${t.role}\t${t.createdAt}\t${t.createdBy}\n`)
    } else {
      await client.tokens.revoke(id!)
      io.stderr.write(`revoked ${id}\n`)
    }
    return EXIT.ok
  } finally {
    await client.stop()
  }
}
