// A signal's default action ends the process at once: a download's temporary file would stay
// behind beside DEST (Ctrl-C during `files get`). While `path` is written, a signal removes it
// first, then ends the process as the signal would have (the shell still sees 130 for Ctrl-C).
import { rmSync } from 'node:fs'

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** Until the returned function is called, SIGINT, SIGTERM and SIGHUP remove `path` first. */
export function removedOnSignal(path: string): () => void {
  const stop = () => {
    for (const signal of SIGNALS) process.off(signal, onSignal)
  }
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(path, { force: true })
    stop()
    process.kill(process.pid, signal)
  }
  for (const signal of SIGNALS) process.on(signal, onSignal)
  return stop
}
