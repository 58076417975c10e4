// The chat's slash commands: each a few lines over the client library's API.
import type { ClaudeAgentClient } from '@claude-agent/client'
import { PERMISSION_MODES, type PermissionMode } from '@claude-agent/protocol'
import { describeError } from './errors.js'
import type { Renderer } from './render.js'
import { printable } from './scrub.js'
import type { Conn } from './session.js'
import type { Style } from './style.js'

export const SLASH_HELP = `In a chat:
  /model [M]       switch the model (none: list the models)
  /mode MODE       switch the permission mode
  /sessions        list the server's sessions
  /attach ID       switch this chat to another session
  /files [PATH]    list the workspace (or a directory in it)
  /exec CMD        run a shell command in the session's directory
  /cost            what this chat's turns cost so far
  /help            this list;  /exit  leave (also Ctrl-D)
`

export interface SlashContext {
  conn: Conn
  client: ClaudeAgentClient
  sessionId: string
  renderer: Renderer
  style: Style
  switchTo(id: string): Promise<void>
}

type Handler = (arg: string, ctx: SlashContext) => Promise<void | 'exit'>

const say = (ctx: SlashContext, text: string) => ctx.renderer.line(text)

const HANDLERS: Record<string, Handler> = {
  async help(_arg, ctx) {
    say(ctx, SLASH_HELP.trimEnd())
  },
  async exit() {
    return 'exit'
  },
  async model(arg, ctx) {
    if (!arg) {
      for (const m of await ctx.conn.control.listModels())
        say(ctx, `  ${ctx.style.bold(printable(m.value))}  ${ctx.style.dim(printable(m.displayName))}`)
      return
    }
    const change = await ctx.conn.control.setModel(arg)
    say(ctx, ctx.style.dim(`model ${printable(change.model ?? 'default')} (${change.applied === 'now' ? 'now' : 'from the next turn'})`))
  },
  async mode(arg, ctx) {
    if (!arg) return say(ctx, `usage: /mode ${PERMISSION_MODES.join('|')}`)
    const change = await ctx.conn.control.setPermissionMode(arg as PermissionMode)
    say(ctx, ctx.style.dim(`permission mode ${change.permissionMode} (${change.applied === 'now' ? 'now' : 'from the next turn'})`))
  },
  async sessions(_arg, ctx) {
    for (const s of await ctx.client.sessions.list()) {
      const here = s.id === ctx.sessionId ? ctx.style.green(' ←') : ''
      say(ctx, `  ${ctx.style.bold(s.id)}  ${s.state}  ${s.clients} client(s)${here}`)
    }
  },
  async attach(arg, ctx) {
    if (!arg) return say(ctx, 'usage: /attach ID')
    await ctx.switchTo(arg)
  },
  async files(arg, ctx) {
    for (const e of await ctx.conn.files.list(arg || '.'))
      say(
        ctx,
        `  ${e.type === 'directory' ? ctx.style.cyan(`${printable(e.name)}/`) : printable(e.name)}  ${ctx.style.dim(String(e.size))}`,
      )
  },
  async exec(arg, ctx) {
    if (!arg) return say(ctx, 'usage: /exec CMD')
    const result = await ctx.conn.commands.run(arg, { shell: true })
    if (result.stdout) ctx.renderer.line(printable(result.stdout).replace(/\n$/, ''))
    if (result.stderr) ctx.renderer.line(ctx.style.red(printable(result.stderr).replace(/\n$/, '')))
    say(ctx, ctx.style.dim(`exit ${result.exitCode ?? result.signal}`))
  },
  async cost(_arg, ctx) {
    say(ctx, `$${ctx.renderer.totalCostUsd.toFixed(4)} so far in this chat`)
  },
}

export async function runSlash(line: string, ctx: SlashContext): Promise<void | 'exit'> {
  const [, name = '', arg = ''] = /^\/(\S*)\s*(.*)$/s.exec(line) ?? []
  const handler = HANDLERS[name]
  if (!handler) return say(ctx, ctx.style.red(`unknown command /${name}; /help lists them`))
  try {
    return await handler(arg.trim(), ctx)
  } catch (error) {
    say(ctx, ctx.style.red(describeError(error)))
  }
}
