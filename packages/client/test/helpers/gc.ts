// Garbage collections on demand, for tests of deadlines that a collection used to lose (Node 20
// holds the sources of AbortSignal.any() weakly, and fetch follows a request clone's abort
// weakly). The test runner gives no --expose-gc: set now, the flag makes `gc` for new contexts.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Collects every `ms` until the returned stop is called. */
export function collectGarbageEvery(ms: number): () => void {
  const timer = setInterval(gc, ms)
  return () => clearInterval(timer)
}
