// `claude-agent chat`: the interactive client. Text streams as it arrives, tool calls are one
// line each, approvals are a key press, Ctrl-C interrupts the turn (twice exits), slash
// commands, input history. The client library reconnects and replays by itself.
import { PERMISSION_MODES } from '@claude-agent/protocol'
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { ChatSession } from '../chat-session.js'
import { clientSetup, newClient, startingMessage } from '../connect.js'
import { EXIT, interactiveFailure } from '../errors.js'
import { keyboard } from '../input.js'
import type { Io } from '../io.js'
import { openSession } from '../session.js'
import { SLASH_HELP } from '../slash.js'
import { makeStyle, wantsColor } from '../style.js'

export const CHAT_HELP = `Usage: claude-agent chat [--session ID | --new [--name ID]] [--model M] [--mode MODE] [options]

Talk to the agent. Text streams as it arrives; each tool call is one line with its result.
An approval asks for one key: y allow, n deny (then a reason), a allow for the session,
e edit the input in $EDITOR. Ctrl-C interrupts a turn; Ctrl-C twice (or Ctrl-D) exits.

  --session ID     an existing session (default: the server's default session)
  --new            a new named session (it asks before each tool call); --name ID names it
  --model M        the model (a new session's config; otherwise switched live)
  --mode MODE      the permission mode: ${PERMISSION_MODES.join(', ')}
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
  io.stderr.write(style.dim(`${startingMessage(setup)}\n`))
  try {
    const open = await openSession(client, setup, {
      session: values.new ? values.name : values.session,
      new: values.new,
      model: values.model,
      mode: values.mode,
      after: values.history ? 0 : undefined,
    })
    await new ChatSession({ client, setup, keys, style, env: io.env, allow: values.allow ?? [] }, open).run()
    return EXIT.ok
  } catch (error) {
    return interactiveFailure(error, (text) => io.stderr.write(text), style.red)
  } finally {
    keys.close()
    await client.stop()
  }
}
