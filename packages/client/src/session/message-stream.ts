// One `for await` consumer of the frames: a bounded queue between the socket and the loop.
// Frames are never dropped silently: a consumer that falls too far behind gets an error.
import type { ServerFrame } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'

export interface MessagesOptions {
  /**
   * Frames held for a loop that has not taken them yet. When a slow loop lets more pile up, the
   * iterator throws `MESSAGE_BUFFER_OVERFLOW` once it has taken the frames held so far.
   * @default 10_000
   */
  bufferSize?: number
}

export const DEFAULT_MESSAGE_BUFFER = 10_000

type Waiter = { resolve(result: IteratorResult<ServerFrame>): void; reject(error: Error): void }

export class MessageStream implements AsyncIterableIterator<ServerFrame> {
  private readonly buffer: ServerFrame[] = []
  private waiter?: Waiter
  private done = false
  private failure?: Error

  /** @param onDone called once when the stream ends, fails or the loop leaves. */
  constructor(
    private readonly bufferSize: number,
    private readonly onDone: () => void,
  ) {}

  push(frame: ServerFrame): void {
    if (this.done) return
    if (this.waiter) {
      const waiter = this.waiter
      this.waiter = undefined
      waiter.resolve({ value: frame, done: false })
    } else if (this.buffer.length < this.bufferSize) {
      this.buffer.push(frame)
    } else {
      const message = `A messages() loop fell more than ${this.bufferSize} frames behind; frames were not kept`
      this.fail(new ClaudeAgentClientError('MESSAGE_BUFFER_OVERFLOW', message))
    }
  }

  /** No more frames: the loop ends after taking the buffered ones. */
  end(): void {
    this.finish()
    this.waiter?.resolve({ value: undefined, done: true })
    this.waiter = undefined
  }

  next(): Promise<IteratorResult<ServerFrame>> {
    const frame = this.buffer.shift()
    if (frame) return Promise.resolve({ value: frame, done: false })
    if (this.failure) {
      const failure = this.failure
      this.failure = undefined // thrown once; then the iterator is done
      return Promise.reject(failure)
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }))
  }

  /** `break` out of the loop: unsubscribe and forget the buffer. */
  return(): Promise<IteratorResult<ServerFrame>> {
    this.buffer.length = 0
    this.failure = undefined
    this.end()
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ServerFrame> {
    return this
  }

  private fail(error: Error): void {
    this.finish()
    this.failure = error
    if (this.waiter && this.buffer.length === 0) {
      this.failure = undefined
      this.waiter.reject(error)
      this.waiter = undefined
    }
  }

  private finish(): void {
    if (this.done) return
    this.done = true
    this.onDone()
  }
}
