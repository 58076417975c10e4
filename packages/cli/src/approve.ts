// An approval as a prompt answered by one key: y allow, n deny (with a reason), a allow for the
// session, e edit the input in $EDITOR first. One request at a time; a request answered
// elsewhere (another client, the timeout) closes its prompt. Without a terminal, or in
// `run`, the --allow list decides.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PermissionAnswer, PermissionRequest } from '@claude-agent/client'
import type { KeyRouter } from './key-router.js'
import type { Renderer } from './render.js'
import { printable } from './scrub.js'
import type { Style } from './style.js'
import { editDiff, inputLines, otherFields, toolCall } from './tools.js'

export function allowListAnswer(allow: readonly string[], request: PermissionRequest): PermissionAnswer {
  if (allow.includes(request.toolName) || allow.includes('*')) return { behavior: 'allow' }
  return { behavior: 'deny', message: `${request.toolName} is not allowed here (claude-agent was not given --allow ${request.toolName}).` }
}

export class TerminalApprover {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly router: KeyRouter,
    private readonly renderer: Renderer,
    private readonly style: Style,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  readonly handle = (request: PermissionRequest): Promise<PermissionAnswer> => {
    const answer = this.queue.then(() => (request.signal.aborted ? undefined : this.ask(request)))
    this.queue = answer.catch(() => undefined)
    return answer
  }

  private ask(request: PermissionRequest): Promise<PermissionAnswer> {
    const { style } = this
    this.renderer.line(style.yellow(`? ${style.bold(toolCall(request.toolName, request.input))} wants to run`))
    for (const l of inputLines(request.toolName, request.input)) this.renderer.line(`  │ ${l}`)
    for (const l of editDiff(request.toolName, request.input, style)) this.renderer.line(`    ${l}`)
    for (const l of otherFields(request.toolName, request.input)) this.renderer.line(`  ${style.dim('·')} ${l}`)
    this.renderer.line(style.yellow('  [y] allow  [n] deny  [a] allow for this session  [e] edit the input'))
    return new Promise((resolve) => {
      let settled = false
      const settle = (answer: PermissionAnswer, said: string) => {
        if (settled) return
        settled = true
        pop()
        request.signal.removeEventListener('abort', onAbort)
        if (said) this.renderer.line(style.dim(`  ${said}`))
        resolve(answer)
      }
      const onAbort = () => settle(undefined, 'answered elsewhere')
      request.signal.addEventListener('abort', onAbort, { once: true })
      const pop = this.router.push((key) => {
        const k = key.toLowerCase()
        if (k === 'y') settle({ behavior: 'allow' }, 'allowed')
        else if (k === 'a') settle({ behavior: 'allow', scope: 'session' }, `allowed ${printable(request.toolName)} for this session`)
        else if (k === '\x03') settle({ behavior: 'deny', message: 'The user pressed Ctrl-C.' }, 'denied')
        else if (k === 'n') void this.reason().then((message) => settle({ behavior: 'deny', message }, 'denied'))
        else if (k === 'e')
          void this.edit(request).then((input) =>
            settle(
              input ? { behavior: 'allow', updatedInput: input } : { behavior: 'deny', message: 'The user discarded the edit.' },
              input ? 'allowed as edited' : 'edit not valid JSON: denied',
            ),
          )
        // Every key is the approval's while it asks: nothing typed at it reaches the next line.
        return true
      })
    })
  }

  private async reason(): Promise<string> {
    const result = await this.router.suspend(() => this.router.keyboard.readLine('  reason (Enter for none): '))
    const text = result.kind === 'line' ? result.text.trim() : ''
    return text ? `The user denied this: ${text}` : 'The user denied this.'
  }

  /** The input as JSON in $VISUAL/$EDITOR; undefined when the result does not parse as an object. */
  private async edit(request: PermissionRequest): Promise<Record<string, unknown> | undefined> {
    const dir = mkdtempSync(join(tmpdir(), 'claude-agent-edit-'))
    const file = join(dir, `${request.toolName}.json`)
    try {
      writeFileSync(file, `${JSON.stringify(request.input, null, 2)}\n`)
      const editor = this.env['VISUAL'] || this.env['EDITOR'] || 'vi'
      await this.router.suspend(() =>
        this.router.keyboard.external(() => spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' })),
      )
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
    } catch {
      return undefined
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
