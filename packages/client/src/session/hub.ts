// Where a connection's frames, errors and state changes go: onMessage/onError/onConnectionChange
// handlers and messages() iterators. A client keeps one hub across its connections, so handlers
// registered before start() stay registered after a reconnect or a new start().
import type { PermissionResolvedFrame, ServerFrame } from '@claude-agent/protocol'
import { FRAME } from '@claude-agent/protocol'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import { Listeners } from '../listeners.js'
import { DEFAULT_MESSAGE_BUFFER, MessageStream, type MessagesOptions } from './message-stream.js'
import type { PermissionHandler, PermissionResolvedHandler } from './permissions.js'

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed'

export interface ConnectionChange {
  state: ConnectionState
  /** `reconnecting`: the attempt about to be made (1, 2, ...). */
  attempt?: number
  /** `reconnecting`: the wait before that attempt, in ms. */
  delayMs?: number
  /** `reconnecting`: why the connection dropped or the last attempt failed; `closed`: why it ended (absent after stop()/close()). */
  error?: ClaudeAgentClientError
}

export type MessageHandler = (frame: ServerFrame) => void
export type ErrorHandler = (error: ClaudeAgentClientError) => void
export type ConnectionChangeHandler = (change: ConnectionChange) => void

export class Hub {
  private readonly messageHandlers = new Listeners<ServerFrame>()
  private readonly errorHandlers = new Listeners<ClaudeAgentClientError>()
  private readonly changeHandlers = new Listeners<ConnectionChange>()
  private readonly streams = new Set<MessageStream>()
  private readonly permissionHandlers = new Set<PermissionHandler>()
  private readonly resolvedHandlers = new Listeners<PermissionResolvedFrame>()
  /** Told when a permission handler is added (open requests may now be answered). */
  readonly permissionHandlerAdded = new Listeners<void>()

  constructor(private readonly log: DebugLog) {}

  onMessage(handler: MessageHandler): () => void {
    return this.messageHandlers.add(handler)
  }

  onError(handler: ErrorHandler): () => void {
    return this.errorHandlers.add(handler)
  }

  onConnectionChange(handler: ConnectionChangeHandler): () => void {
    return this.changeHandlers.add(handler)
  }

  onPermissionRequest(handler: PermissionHandler): () => void {
    this.permissionHandlers.add(handler)
    this.permissionHandlerAdded.emit(undefined, (error) => this.log(`a permission pump failed: ${String(error)}`))
    return () => {
      this.permissionHandlers.delete(handler)
    }
  }

  onPermissionResolved(handler: PermissionResolvedHandler): () => void {
    return this.resolvedHandlers.add(handler)
  }

  /** The permission handlers registered now, in registration order. */
  currentPermissionHandlers(): PermissionHandler[] {
    return [...this.permissionHandlers]
  }

  /** A new iterator over the frames from now on; ends when the connection closes for good. */
  stream(options: MessagesOptions = {}): AsyncIterableIterator<ServerFrame> {
    const size = options.bufferSize ?? DEFAULT_MESSAGE_BUFFER
    if (!Number.isInteger(size) || size < 1) {
      throw new ClaudeAgentClientError('INVALID_ARGUMENT', `bufferSize must be a positive integer, got ${String(size)}`)
    }
    const stream: MessageStream = new MessageStream(size, () => this.streams.delete(stream))
    this.streams.add(stream)
    return stream
  }

  emitMessage(frame: ServerFrame): void {
    this.messageHandlers.emit(frame, (error) => this.handlerThrew('onMessage', error))
    for (const stream of [...this.streams]) stream.push(frame)
    if (frame.type === FRAME.permissionResolved)
      this.resolvedHandlers.emit(frame, (error) => this.handlerThrew('onPermissionResolved', error))
  }

  private handlerThrew(kind: string, error: unknown): void {
    const message = `An ${kind} handler threw: ${error instanceof Error ? error.message : String(error)}`
    this.emitError(new ClaudeAgentClientError('HANDLER_FAILED', message, { cause: error }))
  }

  emitError(error: ClaudeAgentClientError): void {
    this.log(`error ${error.code}: ${error.message}`)
    if (this.errorHandlers.size === 0) {
      // A throwing handler is a bug in the caller's code: never swallow it silently.
      if (error.code === 'HANDLER_FAILED') console.error('[claude-agent]', error.message, error.cause)
      return
    }
    this.errorHandlers.emit(error, (thrown) => console.error('[claude-agent] an onError handler threw:', thrown))
  }

  emitChange(change: ConnectionChange): void {
    this.log(`connection ${change.state}${change.attempt ? ` (attempt ${change.attempt} in ${change.delayMs} ms)` : ''}`)
    this.changeHandlers.emit(change, (thrown) => console.error('[claude-agent] an onConnectionChange handler threw:', thrown))
    if (change.state === 'closed') this.endStreams()
  }

  /** End every messages() iterator (they finish the frames they hold first). */
  endStreams(): void {
    for (const stream of [...this.streams]) stream.end()
  }
}
