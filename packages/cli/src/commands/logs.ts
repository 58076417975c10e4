// `claude-agent logs ID [--follow]`: a session's event log, page by page, then live events.
import type { ServerFrame } from '@claude-agent/protocol'
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { clientSetup, newClient } from '../connect.js'
import { describeError, EXIT, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { Renderer } from '../render.js'
import { scrubbed } from '../scrub.js'
import { makeStyle, wantsColor } from '../style.js'

export const LOGS_HELP = `Usage: claude-agent logs [--follow] [--json] [--after SEQ] ID

Print session ID's event log (every event the server stored, in order).

  --follow         then keep printing new events until Ctrl-C
  --json           one event per line as JSON (as the WebSocket delivers it)
  --after SEQ      start after this event (default 0: the whole log)

${CONNECTION_HELP}`

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  follow: { type: 'boolean', short: 'f' },
  json: { type: 'boolean' },
  after: { type: 'string' },
} as const

export async function logs(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  if (values.help) return io.print(LOGS_HELP)
  const [id] = positionals
  if (!id || positionals.length > 1) throw new UsageError('logs needs one session ID (see claude-agent logs --help)')
  let after = Number(values.after ?? 0)
  if (!Number.isSafeInteger(after) || after < 0) throw new UsageError('--after must be a whole number ≥ 0')
  const setup = clientSetup(values, io.env)
  const client = newClient(setup, false)
  const renderer = new Renderer({ style: makeStyle(wantsColor(io.stdout, io.env)), write: (text) => io.stdout.write(text), verbose: true })
  const print = (frame: ServerFrame) => (values.json ? io.stdout.write(`${JSON.stringify(frame)}\n`) : renderer.frame(frame))
  try {
    if (setup.starts) await client.start()
    for (;;) {
      const page = await client.sessions.history(id, { after })
      for (const event of page.events) print(event)
      after = page.lastSeq > after && !page.hasMore ? page.lastSeq : (seqOf(page.events.at(-1)) ?? after)
      if (!page.hasMore) break
    }
    if (!values.follow) return EXIT.ok
    const session = await client.sessions.attach(id, { after })
    session.onMessage((frame) => seqOf(frame) !== undefined && print(frame))
    // Ctrl-C ends it (undefined), or the server does: the session was deleted, or moved away for good.
    const ended = await new Promise<Error | undefined>((resolve) => {
      process.once('SIGINT', () => resolve(undefined))
      session.onConnectionChange((change) => change.state === 'closed' && resolve(change.error))
    })
    await session.close()
    if (!ended) return EXIT.ok
    renderer.newline()
    io.stderr.write(scrubbed(`claude-agent logs: the log of ${id} ended: ${describeError(ended)}\n`, io.env))
    return EXIT.failed
  } finally {
    renderer.newline()
    await client.stop()
  }
}

function seqOf(frame: ServerFrame | undefined): number | undefined {
  return frame && 'seq' in frame ? frame.seq : undefined
}
