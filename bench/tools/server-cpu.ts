// `node --import tsx bench/tools/server-cpu.ts [--turns N] [--warmup N] [--lean] [--profile DIR]`:
// the server process's own CPU time per warm text turn (user + system, read by the probe),
// which stays repeatable on a loaded machine where wall times do not. A bare WebSocket client
// drives one session, so the bench process adds nothing to the server's figure. With
// --profile, the measured turns are also CPU-profiled (the probe's inspector session, warm-up
// left out) and the top functions printed; the profile is kept in DIR for a closer look.
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createSession } from '../lib/api.js'
import { cleanupAll } from '../lib/cleanup.js'
import { PROMPT } from '../lib/scenario.js'
import { startStack } from '../lib/stack.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'
import { topSelfTime } from './cpu-profile.js'

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}

async function main(): Promise<void> {
  const turns = option('--turns', 100)
  const warmup = option('--warmup', 20)
  const lean = process.argv.includes('--lean')
  const profileAt = process.argv.indexOf('--profile')
  const profileDir = profileAt < 0 ? undefined : resolve(process.argv[profileAt + 1] ?? 'cpu-profile')
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const stack = await startStack()
  const file = profileDir && join(profileDir, `turns-${Date.now()}.cpuprofile`)
  try {
    await createSession(stack.server.url, 'cpu', lean ? { profile: 'lean' } : {})
    const ws = await WsRecorder.open(stack.server.wsUrl('cpu'))
    const turn = async () => {
      ws.clear()
      ws.prompt(PROMPT.turn)
      await ws.next(is.result)
    }
    for (let i = 0; i < warmup; i++) await turn()
    const cpu0 = await stack.server.cpuMs()
    for (let i = 0; i < turns; i++) await turn()
    const perTurn = ((await stack.server.cpuMs()) - cpu0) / turns
    if (file) {
      await stack.server.profile()
      for (let i = 0; i < turns; i++) await turn()
      await stack.server.profile(file)
    }
    await ws.close()
    console.log(`server CPU per warm turn: ${perTurn.toFixed(2)} ms (${turns} turns after ${warmup}; ${lean ? 'lean' : 'default'} profile)`)
  } finally {
    await stack.stop()
  }
  if (file) console.log(`${file}, ${turns} turns:\n${topSelfTime(JSON.parse(readFileSync(file, 'utf8')), 40)}`)
}

main()
  .catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
  .finally(() => cleanupAll())
