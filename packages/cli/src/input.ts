// The keyboard: lines with editing and history (node:readline) between turns, single key
// presses during a turn (Ctrl-C, an approval's y/n/a/e), taken from the same readline
// interface by setting its key listener aside.
// Without a terminal, lines are read from stdin as they come and keys are never asked for.
import { createInterface, type Interface } from 'node:readline'

export type LineResult = { kind: 'line'; text: string } | { kind: 'sigint' } | { kind: 'eof' } | { kind: 'aborted' }

export interface Keyboard {
  readonly interactive: boolean
  readLine(prompt: string, signal?: AbortSignal): Promise<LineResult>
  /** Output for the screen: above the prompt while one is shown. */
  write(text: string): void
  /** Key presses go to `handler` until the returned function is called; it returns false for
   *  a key it does not use, which is kept as type-ahead for the next line. */
  keys(handler: (key: string) => boolean): () => void
  /** Runs `task` (an editor) with the terminal in its normal mode. */
  external<T>(task: () => T): T
  close(): void
}

export function keyboard(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Keyboard {
  return input.isTTY ? new TerminalKeyboard(input, output) : new PipedKeyboard(input, output)
}

/** Bracketed paste (DEC mode 2004): the terminal marks what is pasted, so the line breaks in it
 *  stay in one prompt instead of sending each line as a turn of its own. */
const PASTE_MARKING_ON = '\x1b[?2004h'
const PASTE_MARKING_OFF = '\x1b[?2004l'
/** The prompt under a pasted line: the prompt goes on until Enter is pressed. */
const CONTINUED = '… '

class TerminalKeyboard implements Keyboard {
  readonly interactive = true
  private readonly rl: Interface
  private readonly lines = new LineQueue()
  private prompting = false
  /** Output that arrived while the prompt was shown, held until its line is complete. */
  private held = ''
  /** Between the terminal's paste-start and paste-end marks. */
  private pasting = false
  /** Lines ended inside a paste: the start of the prompt Enter will send. */
  private pasted: string[] = []
  private readonly pasteMarkingOff = () => this.output.write(PASTE_MARKING_OFF)

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    // One interface for the whole run, so type-ahead and pasted lines are never lost.
    this.rl = createInterface({ input, output, terminal: true, historySize: 500, removeHistoryDuplicates: true })
    this.rl.on('line', (text) => this.line(text))
    this.rl.on('SIGINT', () => {
      this.pasting = false
      this.pasted = []
      this.output.write('\n')
      this.lines.push({ kind: 'sigint' })
    })
    this.rl.on('close', () => this.lines.end())
    // Node names the marks as keys; readline itself ignores them.
    input.on('keypress', (_text: string | undefined, key: { name?: string } | undefined) => {
      if (key?.name === 'paste-start') this.pasting = true
      else if (key?.name === 'paste-end') this.pasting = false
    })
    output.write(PASTE_MARKING_ON)
    // However the process ends, the shell gets its terminal back as it was.
    process.once('exit', this.pasteMarkingOff)
  }

  private line(text: string): void {
    if (this.pasting) {
      this.pasted.push(text)
      if (this.prompting) {
        this.rl.setPrompt(CONTINUED)
        this.rl.prompt(true)
      }
      return
    }
    const whole = this.pasted.length > 0 ? [...this.pasted, text].join('\n').replace(/\n+$/, '') : text
    this.pasted = []
    this.lines.push({ kind: 'line', text: whole })
  }

  async readLine(prompt: string, signal?: AbortSignal): Promise<LineResult> {
    this.rl.setPrompt(prompt)
    if (!this.lines.ready) {
      this.prompting = true
      this.rl.prompt(true)
    }
    const result = await this.lines.next(signal)
    this.prompting = false
    if (result.kind === 'aborted') {
      // The prompt is gone from the screen: so are the pasted lines shown above it.
      this.pasted = []
      this.output.write('\r\x1b[2K')
    }
    this.flush()
    return result
  }

  /** Output while the prompt is shown goes above it, whole lines at a time. */
  write(text: string): void {
    if (!this.prompting) return void this.output.write(text)
    this.held += text
    const end = this.held.lastIndexOf('\n')
    if (end < 0) return
    this.output.write(`\r\x1b[2K${this.held.slice(0, end + 1)}`)
    this.held = this.held.slice(end + 1)
    this.rl.prompt(true)
  }

  keys(handler: (key: string) => boolean): () => void {
    // readline keeps stdin in raw mode; its own key listener is set aside while keys are ours.
    // Keys the handler does not take are type-ahead: readline gets them once keys are released.
    const readlines = this.input.listeners('keypress') as Array<(...args: unknown[]) => void>
    const typeahead: unknown[][] = []
    this.input.removeAllListeners('keypress')
    // Pasted text is never an answer (a `y` in it would allow a tool): all of it, marks
    // included, waits for the next line, where the paste tracker sees the marks in order.
    let inPaste = this.pasting
    const onKey = (text: string | undefined, key: { sequence?: string; name?: string } | undefined) => {
      if (key?.name === 'paste-start') inPaste = true
      const pasted = inPaste
      if (key?.name === 'paste-end') inPaste = false
      if (pasted || key?.name === 'paste-end' || !handler(key?.sequence ?? text ?? '')) typeahead.push([text, key])
    }
    this.input.on('keypress', onKey)
    return () => {
      this.input.off('keypress', onKey)
      for (const listener of readlines) this.input.on('keypress', listener)
      for (const args of typeahead) for (const listener of readlines) listener(...args)
    }
  }

  external<T>(task: () => T): T {
    this.input.setRawMode(false)
    this.output.write(PASTE_MARKING_OFF)
    try {
      return task()
    } finally {
      this.output.write(PASTE_MARKING_ON)
      this.input.setRawMode(true)
    }
  }

  close(): void {
    this.rl.close()
    this.pasteMarkingOff()
    process.off('exit', this.pasteMarkingOff)
  }

  private flush(): void {
    if (this.held) this.output.write(this.held)
    this.held = ''
  }
}

/** Lines waiting to be read, and the one reader waiting for them. */
class LineQueue {
  private readonly queued: LineResult[] = []
  private waiting: ((result: LineResult) => void) | undefined
  private ended = false

  get ready(): boolean {
    return this.queued.length > 0 || this.ended
  }

  push(result: LineResult): void {
    if (this.waiting) this.take(result)
    else this.queued.push(result)
  }

  end(): void {
    this.ended = true
    this.take({ kind: 'eof' })
  }

  next(signal?: AbortSignal): Promise<LineResult> {
    const queued = this.queued.shift()
    if (queued) return Promise.resolve(queued)
    if (this.ended) return Promise.resolve({ kind: 'eof' })
    if (signal?.aborted) return Promise.resolve({ kind: 'aborted' })
    return new Promise((resolve) => {
      this.waiting = resolve
      signal?.addEventListener('abort', () => this.take({ kind: 'aborted' }), { once: true })
    })
  }

  private take(result: LineResult): void {
    const waiting = this.waiting
    this.waiting = undefined
    waiting?.(result)
  }
}

class PipedKeyboard implements Keyboard {
  readonly interactive = false
  private readonly lines = new LineQueue()
  private readonly rl: Interface

  constructor(
    input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    this.rl = createInterface({ input, terminal: false })
    this.rl.on('line', (text) => this.lines.push({ kind: 'line', text }))
    this.rl.on('close', () => this.lines.end())
  }

  readLine(_prompt: string, signal?: AbortSignal): Promise<LineResult> {
    return this.lines.next(signal)
  }

  write(text: string): void {
    this.output.write(text)
  }

  keys(): () => void {
    return () => {}
  }

  external<T>(task: () => T): T {
    return task()
  }

  close(): void {
    this.rl.close()
  }
}
