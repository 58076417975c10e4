// Reading a stream of timestamped frames: delivery rate, and per-event latency from the moment
// each marked delta was written (by the tap, or by a bare sender) to its arrival.
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk'
import { summarize } from './stats.js'
import { markersIn } from './tap.js'
import type { Received } from './ws-recorder.js'

/** Events per second between the first and the last arrival. */
export function rate(arrivals: readonly number[]): number {
  if (arrivals.length < 2) return Number.NaN
  let first = Infinity
  let last = -Infinity
  for (const at of arrivals) {
    if (at < first) first = at
    if (at > last) last = at
  }
  return ((arrivals.length - 1) / (last - first)) * 1000
}

/** Latency of every marked frame: arrival minus the time its marker was written. */
export function latencies(received: readonly Received[], written: ReadonlyMap<number, number>): number[] {
  const out: number[] = []
  for (const r of received) {
    for (const marker of markersIn(r.text)) {
      const at = written.get(marker)
      if (at !== undefined) out.push(r.at - at)
    }
  }
  return out
}

/** p50 and p99 of one run's latencies. */
export function latencyPercentiles(values: readonly number[]): { p50: number; p99: number } {
  const s = summarize(values)
  return { p50: s.p50, p99: s.p99 }
}

/** The marker of a text delta as the SDK delivers it in process. */
export function markerOfMessage(message: SDKMessage): number | undefined {
  if (message.type !== 'stream_event' || message.event.type !== 'content_block_delta') return undefined
  const delta = message.event.delta
  if (delta.type !== 'text_delta') return undefined
  const match = /^#(\d{6}) $/.exec(delta.text)
  return match ? Number(match[1]) : undefined
}
