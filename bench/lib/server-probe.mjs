// Preloaded into the server child (node --import): answers the bench's questions about the
// server's own memory (after a full GC, so the heap figure is what is really retained) and CPU
// time, over the IPC channel. Plain JavaScript so the server runs without a TypeScript loader,
// exactly as in production.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { getHeapSpaceStatistics } from 'node:v8'
import { trace } from './server-trace.mjs'

/** The inspector session of a CPU profile being taken (bench/tools/server-cpu.ts). */
/** @type {Session | undefined} */
let profiler

/** @param {string} method @param {object} [params] @returns {Promise<any>} */
const post = (method, params) =>
  new Promise((resolve, reject) => profiler?.post(method, params, (err, result) => (err ? reject(err) : resolve(result))))

/** Starts a CPU profile, or stops it and writes it to `file`; answers once done. @param {{ file?: string }} message */
async function profile(message) {
  if (!message.file) {
    profiler = new Session()
    profiler.connect()
    await post('Profiler.enable')
    await post('Profiler.setSamplingInterval', { interval: 100 })
    await post('Profiler.start')
  } else {
    const { profile } = await post('Profiler.stop')
    writeFileSync(message.file, JSON.stringify(profile))
    profiler?.disconnect()
    profiler = undefined
  }
  process.send?.({ type: 'profile' })
}

if (process.send) {
  process.on('message', (/** @type {{ type?: string }} */ message) => {
    if (message?.type === 'memory') {
      const collect = /** @type {{ gc?: () => void }} */ (globalThis).gc
      collect?.()
      collect?.()
      /** @type {Record<string, number>} */
      const spaces = {}
      for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = space.space_used_size
      process.send?.({ type: 'memory', ...process.memoryUsage(), spaces })
    } else if (message?.type === 'profile') {
      void profile(/** @type {{ file?: string }} */ (message))
    } else if (message?.type === 'trace') {
      const on = /** @type {{ on?: boolean }} */ (message).on === true
      process.send?.({ type: 'trace', events: trace(on) })
    } else if (message?.type === 'cpu') {
      process.send?.({ type: 'cpu', ...process.cpuUsage() })
    }
  })
  // The IPC channel must not keep the server alive on its own.
  process.channel?.unref()
}
