// `claude-agent chat`: the interactive client. Text streams as it arrives, tool calls are one
// line each, approvals are a key press, Ctrl-C interrupts the turn (twice exits), slash
// commands, input history. The client library reconnects and replays by itself.
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { allowListAnswer, TerminalApprover } from '../approve.js'
import { clientSetup, newClient, startingMessage } from '../connect.js'
import { describeError, EXIT } from '../errors.js'
import { keyboard } from '../input.js'
import type { Io } from '../io.js'
import { KeyRouter } from '../key-router.js'
import { Renderer } from '../render.js'
import { openSession, type OpenSession } from '../session.js'
import { runSlash, SLASH_HELP } from '../slash.js'
import { makeStyle, wantsColor } from '../style.js'

export const CHAT_HELP = `Usage: claude-agent chat [--session ID | --new [--name ID]] [--model M] [--mode MODE] [options]

Talk to the agent. Text streams as it arrives; each tool call is one line with its result.
An approval asks for one key: y allow, n deny (then a reason), a allow for the session,
e edit the input in $EDITOR. Ctrl-C interrupts a turn; Ctrl-C twice (or Ctrl-D) exits.

  --session ID     an existing session (default: the server's default session)
  --new            a new named session (it asks before each tool call); --name ID names it
  --model M        the model (a new session's config; otherwise switched live)
  --mode MODE      the permission mode: default, acceptEdits, bypassPermissions, plan, dontAsk
  --history        replay the session's past events first
  --allow TOOL     without a terminal: tools allowed without asking (repeatable; '*' for all)

${SLASH_HELP}
${CONNECTION_HELP}`

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  session: { type: 'string' },
  new: { type: 'boolean' },
  name: { type: 'string' },
  model: { type: 'string' },
  mode: { type: 'string' },
  history: { type: 'boolean' },
  allow: { type: 'string', multiple: true },
} as const

export async function chat(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, OPTIONS)
  if (values.help) return io.print(CHAT_HELP)
  const style = makeStyle(wantsColor(io.stdout, io.env))
  const setup = clientSetup(values, io.env)
  const client = newClient(setup, true)
  const keys = keyboard(io.stdin, io.stdout)
  const router = new KeyRouter(keys)
  const renderer = new Renderer({ style, write: (text) => keys.write(text) })
  const approver = new TerminalApprover(router, renderer, style, io.env)
  const allow = values.allow ?? []
  io.stderr.write(style.dim(`${startingMessage(setup)}\n`))
  let open: OpenSession
  try {
    open = await openSession(client, setup, {
      session: values.new ? values.name : values.session,
      new: values.new,
      model: values.model,
      mode: values.mode,
      after: values.history ? 0 : undefined,
    })
  } catch (error) {
    io.stderr.write(style.red(`claude-agent: ${describeError(error)}\n`))
    keys.close()
    await client.stop()
    return EXIT.failed
  }
  let unwire = wire(open)
  await seedState(open.id)
  /** The state before any event arrives, so the first cold start is announced too. */
  async function seedState(id: string): Promise<void> {
    const info = await client.sessions.get(id).catch(() => undefined)
    if (info) renderer.frame({ type: 'session_state', state: info.state })
  }
  function wire(session: OpenSession): () => void {
    const offs = [
      session.conn.onMessage((frame) => renderer.frame(frame)),
      session.conn.onPermissionRequest((request) => (keys.interactive ? approver.handle(request) : allowListAnswer(allow, request))),
      session.conn.onConnectionChange((change) => {
        if (change.state === 'reconnecting' && (change.attempt ?? 0) >= 3) renderer.line(style.dim('reconnecting…'))
        else if (change.state === 'closed' && change.error) renderer.line(style.red(`connection lost: ${describeError(change.error)}`))
      }),
    ]
    const demo = client.connection?.demo ? ' (the offline demo model)' : ''
    renderer.line(style.dim(`connected to ${setup.where}, session ${session.id}${demo}. /help for commands.`))
    return () => offs.forEach((off) => off())
  }

  const switchTo = async (id: string) => {
    const next = await openSession(client, { ...setup, starts: false }, { session: id })
    unwire()
    await open.close()
    open = next
    unwire = wire(open)
    await seedState(id)
  }

  let lastSigint = false
  for (;;) {
    await router.idle()
    const abort = new AbortController()
    const off = router.onBusy(() => abort.abort())
    const input = await keys.readLine(style.bold('> '), abort.signal)
    off()
    if (input.kind === 'aborted') continue
    if (input.kind === 'eof') break
    if (input.kind === 'sigint') {
      if (lastSigint) break
      lastSigint = true
      renderer.line(style.dim('(Ctrl-C again to exit)'))
      continue
    }
    lastSigint = false
    const text = input.text.trim()
    if (!text) continue
    if (text.startsWith('/')) {
      const outcome = await runSlash(text, { conn: open.conn, client, sessionId: open.id, renderer, style, switchTo })
      if (outcome === 'exit') break
      continue
    }
    if ((await turn(text)) === 'exit') break
  }
  unwire()
  await open.close()
  await client.stop()
  keys.close()
  return EXIT.ok

  async function turn(text: string): Promise<'exit' | undefined> {
    const abort = new AbortController()
    let presses = 0
    const pop = router.push((key) => {
      if (key !== '\x03') return false
      if (++presses === 1) {
        renderer.line(style.dim('interrupting… (Ctrl-C again to exit)'))
        interrupt()
      } else abort.abort(new Error('exit'))
      return true
    })
    if (renderer.cold) renderer.line(style.dim('starting the agent…'))
    try {
      await open.conn.prompt(text, { signal: abort.signal })
    } catch (error) {
      if (abort.signal.aborted) return 'exit'
      renderer.line(style.red(describeError(error)))
    } finally {
      pop()
      renderer.newline()
    }
    return undefined
  }

  function interrupt(): void {
    try {
      open.conn.interrupt()
    } catch (error) {
      renderer.line(style.red(describeError(error)))
    }
  }
}
