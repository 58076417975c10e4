// The listener methods of the client and of attached sessions (onMessage, onError,
// onPermission*, onConnectionChange, messages), written once: each forwards to the message hub.
import type { ServerFrame } from '@claude-agent/protocol'
import type { ConnectionChangeHandler, ErrorHandler, Hub, MessageHandler } from './session/hub.js'
import type { MessagesOptions } from './session/message-stream.js'
import type { PermissionHandler, PermissionResolvedHandler } from './session/permissions.js'

export abstract class HubAliases {
  /** Where frames, errors and state changes go; a client keeps one across its connections. */
  protected abstract readonly hub: Hub

  /** Every server frame, typed and validated; session events once each, in order. Returns the unsubscribe function. */
  onMessage(handler: MessageHandler): () => void {
    return this.hub.onMessage(handler)
  }

  /**
   * Answer tool-permission requests. The handler gets the request (`toolName`, `input`,
   * `suggestions`, `agentId`, `title`, `signal`, ...) and returns or resolves to
   * `{ behavior: 'allow', updatedInput?, scope?: 'once' | 'session' }`, `{ behavior: 'deny', message? }`,
   * the shorthand `'allow'` / `'deny'`, or undefined to leave it to other handlers, other clients
   * or the timeout. The first answer wins. Requests met in a replay are answered only once the
   * client has caught up, and only if still open. A handler that throws is reported to onError
   * (`HANDLER_FAILED`). Stays registered across reconnects. Returns the unsubscribe.
   */
  onPermissionRequest(handler: PermissionHandler): () => void {
    return this.hub.onPermissionRequest(handler)
  }

  /** Every `permission_resolved` event (decision, reason, who decided), once each, in order. Returns the unsubscribe. */
  onPermissionResolved(handler: PermissionResolvedHandler): () => void {
    return this.hub.onPermissionResolved(handler)
  }

  /**
   * Errors that belong to no call: `CONNECTION_CLOSED` (the connection was lost for good),
   * `INVALID_SERVER_FRAME`, `HANDLER_FAILED` (a handler threw). Returns the unsubscribe.
   */
  onError(handler: ErrorHandler): () => void {
    return this.hub.onError(handler)
  }

  /** Connection state changes: connecting, connected, reconnecting (with attempt and delay), closed. */
  onConnectionChange(handler: ConnectionChangeHandler): () => void {
    return this.hub.onConnectionChange(handler)
  }

  /** `for await (const frame of x.messages())`: the frames from now on, until closed or the connection is lost for good. */
  messages(options?: MessagesOptions): AsyncIterableIterator<ServerFrame> {
    return this.hub.stream(options)
  }
}
