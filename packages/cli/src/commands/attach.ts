// `claude-agent attach ID`: watch a session from another terminal (its running turn streams
// here too) and answer its approvals. Ctrl-C detaches; the session goes on.
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { allowListAnswer, TerminalApprover } from '../approve.js'
import { clientSetup, newClient } from '../connect.js'
import { describeError, EXIT, interactiveFailure, UsageError } from '../errors.js'
import { keyboard } from '../input.js'
import type { Io } from '../io.js'
import { KeyRouter } from '../key-router.js'
import { Renderer } from '../render.js'
import { openSession } from '../session.js'
import { makeStyle, wantsColor } from '../style.js'

export const ATTACH_HELP = `Usage: claude-agent attach [--history] [--allow TOOL]... ID

Watch session ID live: text streams, tool calls show, and its approvals are asked here too
(the first answer from any client wins). Ctrl-C detaches; the session keeps running.

  --history        replay the session's past events first
  --allow TOOL     without a terminal: answer approvals of this tool with allow (repeatable)

${CONNECTION_HELP}`

const OPTIONS = { ...CONNECTION_OPTIONS, history: { type: 'boolean' }, allow: { type: 'string', multiple: true } } as const

export async function attach(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  if (values.help) return io.print(ATTACH_HELP)
  const [id] = positionals
  if (!id || positionals.length > 1) throw new UsageError('attach needs one session ID (see claude-agent attach --help)')
  const style = makeStyle(wantsColor(io.stdout, io.env))
  const setup = clientSetup(values, io.env)
  const client = newClient(setup, true)
  const keys = keyboard(io.stdin, io.stdout)
  const router = new KeyRouter(keys)
  const renderer = new Renderer({ style, write: (text) => keys.write(text) })
  const approver = new TerminalApprover(router, renderer, style, io.env)
  try {
    const open = await openSession(client, setup, { session: id, after: values.history ? 0 : undefined })
    open.conn.onMessage((frame) => renderer.frame(frame))
    open.conn.onPermissionRequest((request) => (keys.interactive ? approver.handle(request) : allowListAnswer(values.allow ?? [], request)))
    renderer.line(style.dim(`attached to session ${id}; Ctrl-C detaches.`))
    // Detached by Ctrl-C (false), or the server ended the connection for good (true).
    const lost = await new Promise<boolean>((resolve) => {
      const pop = router.push((key) => {
        if (key === '\x03') {
          pop()
          resolve(false)
        }
        return true
      })
      open.conn.onConnectionChange((change) => {
        if (change.state !== 'closed') return
        if (change.error) renderer.line(style.red(`connection lost: ${describeError(change.error)}`))
        pop()
        resolve(change.error !== undefined)
      })
      process.once('SIGINT', () => resolve(false))
    })
    renderer.line(style.dim('detached'))
    await open.close()
    return lost ? EXIT.failed : EXIT.ok
  } catch (error) {
    return interactiveFailure(error, (text) => io.stderr.write(text), style.red)
  } finally {
    keys.close()
    await client.stop()
  }
}
