// Who gets the next key press: the newest handler (an approval over a running turn). Raw mode
// is on while any handler listens; suspend() hands the keyboard back for a line (a reason) or
// an editor. onBusy tells the chat loop to give up its line prompt when an approval arrives.
import type { Keyboard } from './input.js'

/** Returns false for a key it does not use (type-ahead for the next line). */
export type KeyHandler = (key: string) => boolean

export class KeyRouter {
  private readonly handlers: KeyHandler[] = []
  private release: (() => void) | undefined
  private suspended = 0
  private readonly busyListeners = new Set<() => void>()
  private readonly idleListeners = new Set<() => void>()

  constructor(readonly keyboard: Keyboard) {}

  get busy(): boolean {
    return this.handlers.length > 0
  }

  push(handler: KeyHandler): () => void {
    this.handlers.push(handler)
    this.sync()
    if (this.handlers.length === 1) for (const listener of this.busyListeners) listener()
    return () => {
      const index = this.handlers.lastIndexOf(handler)
      if (index >= 0) this.handlers.splice(index, 1)
      this.sync()
      if (this.handlers.length === 0) for (const listener of [...this.idleListeners]) listener()
    }
  }

  /** Runs `task` with the keyboard out of raw mode (readline, $EDITOR). */
  async suspend<T>(task: () => Promise<T> | T): Promise<T> {
    this.suspended++
    this.sync()
    try {
      return await task()
    } finally {
      this.suspended--
      this.sync()
    }
  }

  onBusy(listener: () => void): () => void {
    this.busyListeners.add(listener)
    return () => this.busyListeners.delete(listener)
  }

  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.idleListeners.delete(done)
        resolve()
      }
      this.idleListeners.add(done)
    })
  }

  private sync(): void {
    const want = this.handlers.length > 0 && this.suspended === 0
    if (want && !this.release) this.release = this.keyboard.keys((key) => this.handlers.at(-1)?.(key) ?? false)
    else if (!want && this.release) {
      this.release()
      this.release = undefined
    }
  }
}
