// `node --import tsx bench/tools/turn-path.ts [--turns N] [--warmup N] [--lean] [--profile FILE]`: where a warm
// turn's wall time goes, read off the server's socket traffic (bench/lib/server-trace.mjs). One
// session, a bare WebSocket client, warm text turns back to back. For each turn the moments:
// the prompt frame in, the prompt written to the CLI's stdin, the CLI's model request in at the
// gateway, the request out upstream, the answer in from upstream and out to the CLI, the CLI's
// `result` line in, the result frame out to the client. The phases between them are printed as
// medians [q1-q3], p99 and max: those the relay adds (the server's own), and those the CLI or the model spend.
// --profile: the same turns are CPU-profiled too (which inflates them), and for each of the
// relay's phases the functions the server ran inside it are printed.
import { readFileSync } from 'node:fs'
import { createSession } from '../lib/api.js'
import { PROMPT } from '../lib/scenario.js'
import type { TraceEvent } from '../lib/server-process.js'
import { startStack } from '../lib/stack.js'
import { summarize } from '../lib/stats.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'
import { windowProfile, type CpuProfile } from './window-profile.js'
import { option, runTool } from '../lib/tool.js'

/** The moments of one turn, ms (server clock); undefined where the trace has no such event. */
type Moment =
  | 'promptIn'
  | 'stdinOut'
  | 'requestIn'
  | 'requestInEnd'
  | 'upstreamOut'
  | 'upstreamOutEnd'
  | 'answerIn'
  | 'answerInEnd'
  | 'answerOut'
  | 'answerOutEnd'
  | 'resultIn'
  | 'resultOut'
type Moments = Record<Moment, number | undefined>

/** The phases printed, between two moments, and whose time each is. */
const PHASES: Array<[string, keyof Moments, keyof Moments, 'relay' | 'cli' | 'model' | 'relay+cli']> = [
  ['prompt frame in -> stdin written', 'promptIn', 'stdinOut', 'relay'],
  ['stdin -> model request at gateway', 'stdinOut', 'requestIn', 'cli'],
  ['request body in (first -> last chunk)', 'requestIn', 'requestInEnd', 'cli'],
  ['request first chunk in -> first out upstream', 'requestIn', 'upstreamOut', 'relay'],
  ['request last chunk in -> last out upstream', 'requestInEnd', 'upstreamOutEnd', 'relay'],
  ['upstream request sent -> answer first byte', 'upstreamOutEnd', 'answerIn', 'model'],
  ['answer first byte in -> out to CLI', 'answerIn', 'answerOut', 'relay'],
  ['answer last byte in -> out to CLI', 'answerInEnd', 'answerOutEnd', 'relay'],
  ['answer end -> result line read', 'answerOutEnd', 'resultIn', 'cli'],
  ['result line read -> result frame written', 'resultIn', 'resultOut', 'relay'],
  ['whole turn, prompt in -> result out', 'promptIn', 'resultOut', 'relay+cli'],
]

/** Splits the trace into turns (a client frame in after the previous result out) and reads the moments of each. */
export function turnMoments(events: readonly TraceEvent[]): Moments[] {
  const turns: Moments[] = []
  let turn: TraceEvent[] | undefined
  for (const e of events) {
    if (!turn && e.kind === 'client' && e.dir === 'in') turn = []
    if (!turn) continue
    turn.push(e)
    if (e.kind === 'client' && e.dir === 'out' && turn.some((x) => x.kind === 'pipe' && x.dir === 'in' && x.result)) {
      turns.push(momentsOf(turn))
      turn = undefined
    }
  }
  return turns
}

function momentsOf(turn: readonly TraceEvent[]): Moments {
  const first = (p: (e: TraceEvent) => boolean, after = -Infinity) => turn.find((e) => e.t >= after && p(e))?.t
  const last = (p: (e: TraceEvent) => boolean, before = Infinity) => turn.findLast((e) => e.t <= before && p(e))?.t
  const of = (kind: TraceEvent['kind'], dir: TraceEvent['dir']) => (e: TraceEvent) => e.kind === kind && e.dir === dir
  const promptIn = turn[0]!.t
  const resultIn = first((e) => e.kind === 'pipe' && e.dir === 'in' && e.result)
  return {
    promptIn,
    stdinOut: first(of('pipe', 'out')),
    requestIn: first(of('gateway', 'in')),
    requestInEnd: last(of('gateway', 'in'), first(of('upstream', 'in'))),
    upstreamOut: first(of('upstream', 'out')),
    upstreamOutEnd: last(of('upstream', 'out'), first(of('upstream', 'in'))),
    answerIn: first(of('upstream', 'in')),
    answerInEnd: last(of('upstream', 'in'), resultIn),
    answerOut: first(of('gateway', 'out')),
    answerOutEnd: last(of('gateway', 'out'), resultIn),
    resultIn,
    resultOut: resultIn === undefined ? undefined : first(of('client', 'out'), resultIn),
  }
}

async function main(): Promise<void> {
  const turns = Number(option('--turns') ?? 60)
  const warmup = Number(option('--warmup') ?? 20)
  const lean = process.argv.includes('--lean')
  const stack = await startStack()
  try {
    await createSession(stack.server.url, 'path', lean ? { profile: 'lean' } : {})
    const ws = await WsRecorder.open(stack.server.wsUrl('path'))
    const turn = async () => {
      ws.clear()
      ws.prompt(PROMPT.turn)
      await ws.next(is.result, 0, 600_000)
    }
    for (let i = 0; i < warmup; i++) await turn()
    const profileFile = option('--profile')
    if (profileFile) await stack.server.profile()
    await stack.server.trace(true)
    for (let i = 0; i < turns; i++) await turn()
    const moments = turnMoments(await stack.server.trace(false))
    if (profileFile) await stack.server.profile(profileFile)
    const profile = profileFile ? (JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile) : undefined
    await ws.close()
    console.log(`${moments.length} warm turns after ${warmup} (${lean ? 'lean' : 'default'} profile); ms, median [q1-q3] p99 max`)
    for (const [name, from, to, whose] of PHASES) {
      const spans = moments.flatMap((m) => (m[from] !== undefined && m[to] !== undefined ? [m[to]! - m[from]!] : []))
      if (spans.length === 0) continue
      const s = summarize(spans)
      const spread = `[${s.q1.toFixed(3)}-${s.q3.toFixed(3)}] p99 ${s.p99.toFixed(3)} max ${s.max.toFixed(3)}`
      console.log(`${whose.padEnd(9)} ${name.padEnd(46)} ${s.median.toFixed(3).padStart(7)} ${spread}`)
      if (profile && whose === 'relay') {
        const windows = moments.flatMap((m): Array<[number, number]> =>
          m[from] !== undefined && m[to] !== undefined ? [[m[from]!, m[to]!]] : [],
        )
        console.log(windowProfile(profile, windows))
      }
    }
  } finally {
    await stack.stop()
  }
}

runTool(main)
