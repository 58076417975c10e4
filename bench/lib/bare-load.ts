// Drives the bare relay with the frames our server delivered, so the baseline relays exactly
// the same bytes: a burst (as fast as the socket takes them) or paced like the scripted model.
import { setTimeout as delay } from 'node:timers/promises'
import { now } from './clock.js'
import { markersIn } from './tap.js'
import type { WsRecorder } from './ws-recorder.js'

/** Resolves once every sink holds `count` more frames than it had at `from`. */
async function allArrived(sinks: readonly WsRecorder[], from: readonly number[], count: number): Promise<void> {
  await Promise.all(sinks.map((sink, i) => sink.next(() => true, from[i]! + count - 1)))
}

/** Sends every frame from `source` at once; resolves when all sinks have them all. */
export async function burst(source: WsRecorder, sinks: readonly WsRecorder[], frames: readonly string[]): Promise<void> {
  const from = sinks.map((s) => s.received.length)
  for (const frame of frames) source.send(frame)
  await allArrived(sinks, from, frames.length)
}

/** Sends frames `delayMs` apart, noting when each marker went out. */
export async function paced(
  source: WsRecorder,
  sinks: readonly WsRecorder[],
  frames: readonly string[],
  delayMs: number,
): Promise<Map<number, number>> {
  const from = sinks.map((s) => s.received.length)
  const sent = new Map<number, number>()
  for (const [i, frame] of frames.entries()) {
    if (i > 0) await delay(delayMs)
    source.send(frame)
    const at = now()
    for (const marker of markersIn(frame)) sent.set(marker, at)
  }
  await allArrived(sinks, from, frames.length)
  return sent
}
