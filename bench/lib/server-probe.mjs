// Preloaded into the server child (node --import): answers the bench's questions about the
// server's own memory (after a full GC, so the heap figure is what is really retained) and CPU
// time, over the IPC channel. Plain JavaScript so the server runs without a TypeScript loader,
// exactly as in production.
import { getHeapSpaceStatistics } from 'node:v8'

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
    } else if (message?.type === 'cpu') {
      process.send?.({ type: 'cpu', ...process.cpuUsage() })
    }
  })
  // The IPC channel must not keep the server alive on its own.
  process.channel?.unref()
}
