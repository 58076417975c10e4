// The bench's fixed scenario: the same prompts get the same replies on every run and every
// commit, so figures stay comparable. Streamed texts are made of 8-character marked chunks
// (`#000042 `), one per delta, which the tap and the clients recognise.
import type { Reply, Scenario } from '@claude-agent/scripted-model'

export const PROMPT = {
  turn: 'bench turn',
  burst: 'bench stream burst',
  paced: 'bench stream paced',
} as const

/** The short answer of a text turn (one text block, one delta). */
export const TURN_TEXT = 'Done: the scripted model answered this bench turn.'

/** Deltas in a burst (sent back to back) and in a paced stream. */
export const BURST_DELTAS = 3000
export const PACED_DELTAS = 400
/** Pause between paced deltas: ~200 deltas/s, faster than a real model streams tokens. */
export const PACED_DELAY_MS = 5
const CHUNK = 8

/** `count` marked chunks, `#000000 #000001 ...`, each exactly CHUNK characters. */
export function markedText(count: number): string {
  let text = ''
  for (let i = 0; i < count; i++) text += `#${String(i).padStart(6, '0')} `
  return text
}

function stream(count: number, chunkDelayMs: number): Reply {
  return { content: [{ type: 'text', text: markedText(count) }], chunkSize: CHUNK, chunkDelayMs }
}

export const benchScenario: Scenario = {
  name: 'bench',
  scripts: [
    { name: 'turn', match: { prompt: PROMPT.turn }, repeat: true, replies: [{ content: [{ type: 'text', text: TURN_TEXT }] }] },
    { name: 'burst', match: { prompt: PROMPT.burst }, repeat: true, replies: [stream(BURST_DELTAS, 0)] },
    { name: 'paced', match: { prompt: PROMPT.paced }, repeat: true, replies: [stream(PACED_DELTAS, PACED_DELAY_MS)] },
  ],
}
