// The interactive loop of `chat`: read a line, run it as a slash command or a turn, repeat.
// During a turn the keys are the turn's (Ctrl-C interrupts, twice exits) or an approval's.
import type { ClaudeAgentClient } from '@claude-agent/client'
import { allowListAnswer, TerminalApprover } from './approve.js'
import type { ClientSetup } from './connect.js'
import { describeError } from './errors.js'
import type { Keyboard } from './input.js'
import { KeyRouter } from './key-router.js'
import { Renderer } from './render.js'
import { openSession, type OpenSession } from './session.js'
import { runSlash } from './slash.js'
import type { Style } from './style.js'

export interface ChatParts {
  client: ClaudeAgentClient
  setup: ClientSetup
  keys: Keyboard
  style: Style
  env: NodeJS.ProcessEnv
  /** Tools allowed without a terminal to ask on. */
  allow: string[]
}

export class ChatSession {
  private readonly router: KeyRouter
  private readonly renderer: Renderer
  private readonly approver: TerminalApprover
  private unwire: () => void = () => {}

  constructor(
    private readonly parts: ChatParts,
    private open: OpenSession,
  ) {
    this.router = new KeyRouter(parts.keys)
    this.renderer = new Renderer({ style: parts.style, write: (text) => parts.keys.write(text) })
    this.approver = new TerminalApprover(this.router, this.renderer, parts.style, parts.env)
  }

  async run(): Promise<void> {
    await this.attachTo(this.open)
    let lastSigint = false
    for (;;) {
      const input = await this.nextLine()
      if (input.kind === 'aborted') continue
      if (input.kind === 'eof') break
      if (input.kind === 'sigint') {
        if (lastSigint) break
        lastSigint = true
        this.renderer.line(this.parts.style.dim('(Ctrl-C again to exit)'))
        continue
      }
      lastSigint = false
      const text = input.text.trim()
      if (!text) continue
      const outcome = text.startsWith('/') ? await this.slash(text) : await this.turn(text)
      if (outcome === 'exit') break
    }
    this.unwire()
    await this.open.close()
  }

  /** A line from the keyboard, given up when an approval needs the keys. */
  private async nextLine() {
    await this.router.idle()
    const abort = new AbortController()
    const off = this.router.onBusy(() => abort.abort())
    try {
      return await this.parts.keys.readLine(this.parts.style.bold('> '), abort.signal)
    } finally {
      off()
    }
  }

  private slash(text: string): Promise<void | 'exit'> {
    const { client, style } = this.parts
    return runSlash(text, {
      conn: this.open.conn,
      client,
      sessionId: this.open.id,
      renderer: this.renderer,
      style,
      switchTo: (id) => this.switchTo(id),
    })
  }

  private async turn(text: string): Promise<'exit' | undefined> {
    const { style } = this.parts
    const abort = new AbortController()
    let presses = 0
    const pop = this.router.push((key) => {
      if (key !== '\x03') return false
      if (++presses === 1) {
        this.renderer.line(style.dim('interrupting… (Ctrl-C again to exit)'))
        this.interrupt()
      } else abort.abort(new Error('exit'))
      return true
    })
    if (this.renderer.cold) this.renderer.line(style.dim('starting the agent…'))
    try {
      await this.open.conn.prompt(text, { signal: abort.signal })
    } catch (error) {
      if (abort.signal.aborted) return 'exit'
      this.renderer.line(style.red(describeError(error)))
    } finally {
      pop()
      this.renderer.newline()
    }
    return undefined
  }

  private interrupt(): void {
    try {
      this.open.conn.interrupt()
    } catch (error) {
      this.renderer.line(this.parts.style.red(describeError(error)))
    }
  }

  private async switchTo(id: string): Promise<void> {
    const next = await openSession(this.parts.client, { ...this.parts.setup, starts: false }, { session: id })
    this.unwire()
    await this.open.close()
    this.open = next
    await this.attachTo(next)
  }

  private async attachTo(session: OpenSession): Promise<void> {
    const { client, keys, style, allow, setup } = this.parts
    const { renderer } = this
    const offs = [
      session.conn.onMessage((frame) => renderer.frame(frame)),
      session.conn.onPermissionRequest((request) => (keys.interactive ? this.approver.handle(request) : allowListAnswer(allow, request))),
      session.conn.onConnectionChange((change) => {
        if (change.state === 'reconnecting' && (change.attempt ?? 0) >= 3) renderer.line(style.dim('reconnecting…'))
        else if (change.state === 'closed' && change.error) renderer.line(style.red(`connection lost: ${describeError(change.error)}`))
      }),
    ]
    this.unwire = () => offs.forEach((off) => off())
    const demo = client.connection?.demo ? ' (the offline demo model)' : ''
    renderer.line(style.dim(`connected to ${setup.where}, session ${session.id}${demo}. /help for commands.`))
    // The state before any event arrives, so a first cold start is announced too.
    const info = await client.sessions.get(session.id).catch(() => undefined)
    if (info) renderer.frame({ type: 'session_state', state: info.state })
  }
}
