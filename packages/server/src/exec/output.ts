// A running command as an NDJSON stream: `stdout` / `stderr` lines as the process writes,
// then one `exit` line. The command's process group is killed when the timeout passes, when
// the command itself exits (nothing it started outlives it), and when the reader goes away.
import type { ChildProcess } from 'node:child_process'
import { PassThrough, type Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import type { ExecLine } from '@claude-agent/protocol'

export interface OutputOptions {
  timeoutMs: number
  encoding: 'utf8' | 'base64'
  /** Written to stdin, which is then closed. */
  stdin: string | undefined
}

/** After the command exits, how long its output may take to drain before the pipes are cut
 * (a process that left the group with setsid could hold them open forever). */
const DRAIN_AFTER_EXIT_MS = 2_000

/** SIGKILL to the child's whole process group; false if nothing was left to kill. */
export function killGroup(child: ChildProcess): boolean {
  if (child.pid === undefined) return false
  try {
    process.kill(-child.pid, 'SIGKILL')
    return true
  } catch {
    return false // ESRCH: the group is empty
  }
}

/** The NDJSON body for a spawned `child` (stdio piped). Destroying the stream kills the command. */
export function commandOutput(child: ChildProcess, options: OutputOptions): Readable {
  const out = new PassThrough()
  const stdout = child.stdout!
  const stderr = child.stderr!
  let ended = false
  let timedOut = false

  out.on('error', () => undefined) // a reader that left is handled by 'close' below
  const line = (frame: ExecLine) => out.destroyed || out.write(`${JSON.stringify(frame)}\n`)
  // A slow reader pauses the command's pipes (the command then blocks on write): memory stays bounded.
  const forward = (type: 'stdout' | 'stderr', pipe: Readable) => {
    const decoder = new StringDecoder('utf8')
    pipe.on('data', (chunk: Buffer) => {
      const data = options.encoding === 'base64' ? chunk.toString('base64') : decoder.write(chunk)
      if (data !== '' && !line({ type, data })) {
        stdout.pause()
        stderr.pause()
        out.once('drain', () => {
          stdout.resume()
          stderr.resume()
        })
      }
    })
    return () => (options.encoding === 'utf8' ? decoder.end() : '')
  }
  const restOut = forward('stdout', stdout)
  const restErr = forward('stderr', stderr)

  child.stdin!.on('error', () => undefined) // EPIPE: the command did not read its input
  child.stdin!.end(options.stdin ?? '')

  const timer = setTimeout(() => {
    timedOut = true
    killGroup(child)
  }, options.timeoutMs)
  timer.unref()

  child.once('exit', () => {
    killGroup(child)
    setTimeout(() => {
      stdout.destroy()
      stderr.destroy()
    }, DRAIN_AFTER_EXIT_MS).unref()
  })
  child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
    clearTimeout(timer)
    ended = true
    const tailOut = restOut()
    const tailErr = restErr()
    if (tailOut) line({ type: 'stdout', data: tailOut })
    if (tailErr) line({ type: 'stderr', data: tailErr })
    if (!out.destroyed) out.end(`${JSON.stringify({ type: 'exit', code, signal, timedOut } satisfies ExecLine)}\n`)
  })
  // The reader went away (client disconnected, server closing): stop the command.
  out.once('close', () => {
    if (!ended) killGroup(child)
  })
  return out
}
