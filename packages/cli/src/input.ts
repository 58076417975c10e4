// The keyboard: lines with editing and history (node:readline) between turns, single key
// presses in raw mode during a turn (Ctrl-C, an approval's y/n/a/e). A readline interface is
// made for each line and closed after it, so raw mode and readline never fight over stdin.
// Without a terminal, lines are read from stdin as they come and keys are never asked for.
import { createInterface, type Interface } from 'node:readline'

export type LineResult = { kind: 'line'; text: string } | { kind: 'sigint' } | { kind: 'eof' } | { kind: 'aborted' }

export interface Keyboard {
  readonly interactive: boolean
  readLine(prompt: string, signal?: AbortSignal): Promise<LineResult>
  /** Raw key presses go to `handler` until the returned function is called. */
  keys(handler: (key: string) => void): () => void
  close(): void
}

export function keyboard(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Keyboard {
  return input.isTTY ? new TerminalKeyboard(input, output) : new PipedKeyboard(input)
}

class TerminalKeyboard implements Keyboard {
  readonly interactive = true
  private readonly history: string[] = []

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  readLine(prompt: string, signal?: AbortSignal): Promise<LineResult> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve({ kind: 'aborted' })
      const rl: Interface = createInterface({
        input: this.input,
        output: this.output,
        terminal: true,
        history: this.history.slice(),
        historySize: 500,
        removeHistoryDuplicates: true,
      })
      let done = false
      const finish = (result: LineResult) => {
        if (done) return
        done = true
        signal?.removeEventListener('abort', onAbort)
        if (result.kind === 'line' && result.text.trim()) {
          this.history.unshift(result.text)
        }
        rl.close()
        resolve(result)
      }
      const onAbort = () => {
        this.output.write('\r\x1b[2K')
        finish({ kind: 'aborted' })
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      rl.on('line', (text) => finish({ kind: 'line', text }))
      rl.on('SIGINT', () => {
        this.output.write('\n')
        finish({ kind: 'sigint' })
      })
      rl.on('close', () => finish({ kind: 'eof' }))
      rl.setPrompt(prompt)
      rl.prompt()
    })
  }

  keys(handler: (key: string) => void): () => void {
    const onData = (data: Buffer) => handler(data.toString('utf8'))
    this.input.setRawMode(true)
    this.input.on('data', onData)
    this.input.resume()
    return () => {
      this.input.off('data', onData)
      this.input.setRawMode(false)
      this.input.pause()
    }
  }

  close(): void {
    if (this.input.isRaw) this.input.setRawMode(false)
    this.input.pause()
  }
}

class PipedKeyboard implements Keyboard {
  readonly interactive = false
  private readonly lines: string[] = []
  private waiting: ((result: LineResult) => void) | undefined
  private ended = false
  private readonly rl: Interface

  constructor(input: NodeJS.ReadStream) {
    this.rl = createInterface({ input, terminal: false })
    this.rl.on('line', (text) => {
      if (this.waiting) this.take({ kind: 'line', text })
      else this.lines.push(text)
    })
    this.rl.on('close', () => {
      this.ended = true
      this.take({ kind: 'eof' })
    })
  }

  readLine(_prompt: string, signal?: AbortSignal): Promise<LineResult> {
    const text = this.lines.shift()
    if (text !== undefined) return Promise.resolve({ kind: 'line', text })
    if (this.ended) return Promise.resolve({ kind: 'eof' })
    return new Promise((resolve) => {
      this.waiting = resolve
      signal?.addEventListener('abort', () => this.take({ kind: 'aborted' }), { once: true })
    })
  }

  keys(): () => void {
    return () => {}
  }

  close(): void {
    this.rl.close()
  }

  private take(result: LineResult): void {
    const waiting = this.waiting
    this.waiting = undefined
    waiting?.(result)
  }
}
