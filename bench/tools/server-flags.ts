// `node --import tsx bench/tools/server-flags.ts [--turns N] [--block N] -- "<node flags A>" "<node flags B>" ...`:
// the server's CPU per warm text turn under different Node/V8 flags, side by side. One server
// per variant (the first is usually "" for Node's defaults), one scripted model for all; a bare
// WebSocket client drives one session on each, the variants taking turns in blocks, so load
// from elsewhere on the machine falls on all of them. The CPU per turn is reported for windows
// of the servers' own lives (turns 1-30, 31-100, ...): their JIT keeps compiling for hundreds
// of turns, and a server that runs for days lives in the last window.
import { createSession } from '../lib/api.js'
import { onCleanup } from '../lib/cleanup.js'
import { startBenchModel } from '../lib/model.js'
import { PROMPT } from '../lib/scenario.js'
import { spawnServer, type ServerProcess } from '../lib/server-process.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'
import { option, runTool } from '../lib/tool.js'

/** Window ends, in turns of a server's life. */
const WINDOWS = [30, 100, 300, 600, 1000, 1500, 2000, 3000]

interface Variant {
  flags: string
  server: ServerProcess
  ws: WsRecorder
  turns: number
  /** CPU ms at the start of the current window. */
  windowStart: number
  perTurn: number[]
}

async function main(): Promise<void> {
  const turns = Number(option('--turns') ?? 600)
  const block = Number(option('--block') ?? 10)
  const split = process.argv.indexOf('--')
  const flagSets = split < 0 ? [''] : process.argv.slice(split + 1)
  const model = await startBenchModel()
  onCleanup(() => model.close())
  const variants: Variant[] = []
  for (const flags of flagSets) {
    // V8's flags as arguments of node (NODE_OPTIONS refuses most of them).
    const wrapper = flags ? ['sh', '-c', `exec "$0" ${flags} "$@"`] : undefined
    const server = await spawnServer({ modelUrl: model.url, ...(wrapper && { wrapper }) })
    onCleanup(() => server.stop())
    await createSession(server.url, 'flags')
    const ws = await WsRecorder.open(server.wsUrl('flags'))
    variants.push({ flags, server, ws, turns: 0, windowStart: await server.cpuMs(), perTurn: [] })
  }
  const windows = WINDOWS.filter((w) => w <= turns)
  while (variants[0]!.turns < turns) {
    for (const v of variants) {
      for (let i = 0; i < block && v.turns < turns; i++) {
        v.ws.clear()
        v.ws.prompt(PROMPT.turn)
        await v.ws.next(is.result, 0, 600_000)
        v.turns++
        const at = windows.indexOf(v.turns)
        if (at >= 0) {
          const cpu = await v.server.cpuMs()
          v.perTurn.push((cpu - v.windowStart) / (v.turns - (windows[at - 1] ?? 0)))
          v.windowStart = cpu
        }
      }
    }
  }
  const head = windows.map((w, i) => `${(windows[i - 1] ?? 0) + 1}-${w}`.padStart(10)).join('')
  console.log(`server CPU ms per warm turn, by turns of its life\n${head}  flags`)
  for (const v of variants) console.log(`${v.perTurn.map((ms) => ms.toFixed(2).padStart(10)).join('')}  ${v.flags || '(defaults)'}`)
  for (const v of variants) await v.ws.close()
}

runTool(main)
