import { createSession } from '../lib/api.js'
import { cleanupAll } from '../lib/cleanup.js'
import { PROMPT } from '../lib/scenario.js'
import { startStack } from '../lib/stack.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'
const stack = await startStack()
await createSession(stack.server.url, 'path', {})
const ws = await WsRecorder.open(stack.server.wsUrl('path'))
const turn = async () => { ws.clear(); ws.prompt(PROMPT.turn); await ws.next(is.result, 0, 600_000) }
for (let i = 0; i < 3; i++) await turn()
await stack.server.trace(true)
await turn()
const ev = await stack.server.trace(false)
const t0 = ev[0]!.t
for (const e of ev) console.log((e.t - t0).toFixed(3), e.dir, e.kind, e.bytes, e.result ? 'RESULT' : '')
await ws.close(); await stack.stop(); cleanupAll()
