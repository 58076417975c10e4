// `claude-agent run "prompt"`: one turn for scripts and CI. The answer goes to stdout (or every
// SDK message as NDJSON with --json), tool calls and refusals to stderr; the exit code is 1
// when the turn fails. Tool approvals are refused unless --allow names the tool.
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { allowListAnswer } from '../approve.js'
import { clientSetup, newClient } from '../connect.js'
import { describeError, EXIT, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { Renderer } from '../render.js'
import { printable } from '../scrub.js'
import { openSession } from '../session.js'
import { makeStyle, wantsColor } from '../style.js'

export const RUN_HELP = `Usage: claude-agent run [--session ID | --new] [--json] [--allow TOOL]... PROMPT...

Send one prompt and wait for its turn to end. PROMPT is the arguments joined by spaces, or
stdin when it is '-' (or missing and stdin is not a terminal).

  --json           every SDK message of the turn on stdout, one JSON object per line
  --allow TOOL     allow this tool when the session asks (repeatable; '*' allows every tool).
                   Without it every approval is refused.
  --session ID     an existing session (default: the server's default session)
  --new            a new named session for this run (it asks before each tool call)
  --model M        the model;  --mode MODE  the permission mode
  --quiet          no tool-call lines on stderr

Exit code: 0 when the turn succeeded, 1 when it failed (or could not run), 2 for bad usage.

${CONNECTION_HELP}`

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  allow: { type: 'string', multiple: true },
  session: { type: 'string' },
  new: { type: 'boolean' },
  model: { type: 'string' },
  mode: { type: 'string' },
  quiet: { type: 'boolean' },
} as const

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  if (values.help) return io.print(RUN_HELP)
  const prompt = await promptText(positionals, io)
  const setup = clientSetup(values, io.env)
  const client = newClient(setup, false)
  const style = makeStyle(wantsColor(io.stderr, io.env))
  const progress = new Renderer({ style, write: (text) => io.stderr.write(text) })
  try {
    const { conn, close } = await openSession(client, setup, {
      session: values.session,
      new: values.new,
      model: values.model,
      mode: values.mode,
    })
    conn.onPermissionRequest((request) => {
      const answer = allowListAnswer(values.allow ?? [], request)
      if (answer && typeof answer === 'object' && answer.behavior === 'deny')
        progress.line(style.yellow(`refused ${request.toolName} (no --allow ${request.toolName})`))
      return answer
    })
    conn.onMessage((frame) => {
      if (values.json && frame.type === 'sdk_message' && frame.seq !== undefined) io.stdout.write(`${JSON.stringify(frame.data)}\n`)
      if (!values.quiet && frame.type !== 'sdk_message') progress.frame(frame)
      else if (!values.quiet && frame.type === 'sdk_message' && frame.data.type !== 'result') toolLinesOnly(progress, frame)
    })
    const result = await conn.prompt(prompt)
    await close()
    // The answer as it is for a pipe; on a terminal nothing in it may drive the terminal.
    const answer = result.result !== undefined && io.stdout.isTTY ? printable(result.result) : result.result
    if (!values.json && answer !== undefined) io.stdout.write(answer.endsWith('\n') ? answer : `${answer}\n`)
    if (result.is_error) io.stderr.write(style.red(`claude-agent: the turn failed (${result.subtype})\n`))
    return result.is_error ? EXIT.failed : EXIT.ok
  } catch (error) {
    if (error instanceof UsageError) throw error
    io.stderr.write(style.red(`claude-agent: ${describeError(error)}\n`))
    return EXIT.failed
  } finally {
    await client.stop()
  }
}

/** Tool calls and their results on stderr; the answer's text is kept for stdout. */
function toolLinesOnly(progress: Renderer, frame: Parameters<Renderer['frame']>[0]): void {
  if (frame.type !== 'sdk_message') return
  const data = frame.data as { type: string; message?: { content?: unknown } }
  const content = data.message?.content
  if (data.type === 'assistant' && Array.isArray(content)) {
    const tools = content.filter((b: { type?: string }) => b.type === 'tool_use')
    if (tools.length) progress.frame({ ...frame, data: { ...data, message: { ...data.message, content: tools } } } as typeof frame)
  } else if (data.type === 'user') progress.frame(frame)
}

async function promptText(positionals: string[], io: Io): Promise<string> {
  const fromStdin = positionals.length === 0 ? !io.stdin.isTTY : positionals.length === 1 && positionals[0] === '-'
  if (!fromStdin) {
    const text = positionals.join(' ').trim()
    if (!text) throw new UsageError('run needs a prompt (see claude-agent run --help)')
    return text
  }
  let text = ''
  for await (const chunk of io.stdin) text += String(chunk)
  if (!text.trim()) throw new UsageError('the prompt read from stdin is empty')
  return text.trim()
}
