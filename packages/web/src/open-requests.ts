// The replay of a long session's end must not start after an approval still waiting: the
// client library puts to the page only the requests it meets in the replay.
import type { ServerFrame } from '@claude-agent/client'

/** The seq of the oldest permission request in `frames` with no resolution after it. */
export function oldestOpenRequest(frames: readonly ServerFrame[]): number | undefined {
  const open = new Map<string, number>()
  for (const frame of frames) {
    if (frame.type === 'permission_request' && typeof frame.seq === 'number') open.set(frame.requestId, frame.seq)
    else if (frame.type === 'permission_resolved') open.delete(frame.requestId)
  }
  return open.size ? Math.min(...open.values()) : undefined
}
