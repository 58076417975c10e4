// Every open WebSocket, HTTP request in flight and answer still streaming, with the principal
// it was opened as, so that taking access away takes effect at once: a revoked token's sockets
// and requests close, a reader taken back is disconnected from that session, and a JWT's
// sockets close when it expires.
import type { Principal } from './principal.js'

export interface LiveSocket {
  principal: Principal
  /** The session it is attached to or watches (absent: none in particular). */
  sessionId?: string
  /** Closes it, telling the client why where the socket can. */
  close(reason: string): void
  /** A WebSocket (not a stream such as exec's): counted against MAX_SOCKETS_PER_PRINCIPAL. */
  socket?: boolean
}

/** setTimeout's largest delay; a later expiry is checked again then. */
const MAX_DELAY_MS = 2 ** 31 - 1

/** How long a revoked token id is remembered: far longer than a request takes from its token's
 * lookup (bounded by DATABASE_QUERY_TIMEOUT_MS) to being added here, so that a server that
 * revokes tokens all day does not keep every id it ever revoked. */
export const REVOKED_MEMORY_MS = 10 * 60_000

export class LiveSockets {
  private readonly open = new Set<LiveSocket>()
  /** Revoked token ids: one authenticated just before its revocation and added just after
   * (its lookup and the revocation interleave) is closed as it is added. */
  private readonly revoked = new Map<string, number>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Tracks a socket until the returned function is called (on its close). */
  add(socket: LiveSocket): () => void {
    const { tokenId } = socket.principal
    if (tokenId !== undefined && this.revoked.has(tokenId)) {
      // After the caller has its remover: closing may call it.
      queueMicrotask(() => socket.close('the token was revoked'))
      return () => undefined
    }
    this.open.add(socket)
    const timer = this.expiry(socket)
    return () => {
      clearTimeout(timer)
      this.open.delete(socket)
    }
  }

  /** Closes the sockets a revoked token opened, all but `spare` (the request revoking it,
   * which is answered). */
  revokeToken(tokenId: string, spare?: LiveSocket): void {
    const now = this.now()
    // Oldest first (a Map keeps insertion order; a revoked id is added again at its end).
    for (const [id, at] of this.revoked) {
      if (now - at < REVOKED_MEMORY_MS) break
      this.revoked.delete(id)
    }
    this.revoked.delete(tokenId)
    this.revoked.set(tokenId, now)
    this.closeWhere((s) => s !== spare && s.principal.tokenId === tokenId, 'the token was revoked')
  }

  /** Closes a session's sockets whose principal may no longer see it. */
  recheck(sessionId: string, stillSees: (principal: Principal) => boolean): void {
    this.closeWhere((s) => s.sessionId === sessionId && !stillSees(s.principal), 'access to the session was taken back')
  }

  /** The run-time tokens the open sockets and requests were authenticated with. */
  tokenIds(): Set<string> {
    const ids = new Set<string>()
    for (const s of this.open) if (s.principal.tokenId !== undefined) ids.add(s.principal.tokenId)
    return ids
  }

  /** The WebSockets open as this principal. */
  socketsOf(principalId: string): number {
    let n = 0
    for (const s of this.open) if (s.socket && s.principal.id === principalId) n++
    return n
  }

  get size(): number {
    return this.open.size
  }

  /** How many revoked token ids are remembered. */
  get revokedRemembered(): number {
    return this.revoked.size
  }

  private closeWhere(test: (socket: LiveSocket) => boolean, reason: string): void {
    for (const socket of [...this.open]) {
      if (!test(socket)) continue
      this.open.delete(socket)
      socket.close(reason)
    }
  }

  private expiry(socket: LiveSocket): NodeJS.Timeout | undefined {
    const { expiresAt } = socket.principal
    if (expiresAt === undefined) return undefined
    const timer = setTimeout(
      () => {
        if (!this.open.has(socket)) return
        if (Date.now() < expiresAt) {
          this.expiry(socket)
          return
        }
        this.open.delete(socket)
        socket.close('the token expired')
      },
      Math.min(Math.max(expiresAt - Date.now(), 0), MAX_DELAY_MS),
    )
    timer.unref()
    return timer
  }
}
