// Where a connection stands in its session's event log: which connection this is, the last
// event delivered (the replay cursor) and where the log ended when the connection attached.
import type { ConnectedFrame } from '@claude-agent/protocol'
import type { DebugLog } from '../debug.js'

export class ReplayPosition {
  /** Connections made so far; the current one's number. */
  epoch = 0
  /** The session's lastSeq when the current connection attached. */
  baseSeq = 0
  /** The seq of the last event delivered. */
  cursor: number | undefined
  /** The log's end when the current connection attached: replayed events up to it may be resolved already. */
  private replayEnd: number | undefined

  /** `after`: the first connection replays events after it; undefined: live events only. */
  constructor(after: number | undefined) {
    this.cursor = after
  }

  /** Every event logged when the current connection attached has been delivered. */
  get replayed(): boolean {
    return this.replayEnd === undefined || (this.cursor ?? 0) >= this.replayEnd
  }

  /** A new connection attached with this `connected` frame. */
  attached(connected: ConnectedFrame): void {
    this.epoch++
    this.baseSeq = connected.lastSeq ?? this.cursor ?? 0
    this.replayEnd = connected.lastSeq
    // Never backwards: a replay from further back than asked is deduplicated, not redelivered.
    this.cursor ??= connected.after ?? connected.lastSeq
  }

  /** Move the cursor to the event `seq`; false (and no move) when it was delivered already. */
  advance(seq: number, log: DebugLog): boolean {
    if (this.cursor !== undefined && seq <= this.cursor) {
      log(`dropped event ${seq}: delivered already`)
      return false
    }
    if (this.cursor !== undefined && seq !== this.cursor + 1) log(`events ${this.cursor + 1}..${seq - 1} never arrived`)
    this.cursor = seq
    return true
  }
}
