// Runs the real server entry point (dist/main.js) as a child process, for tests that kill or
// signal it. Resolves once it logs the URL it listens on.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.js')

export interface ServerProcess {
  child: ChildProcess
  url: string
  wsBase: string
  output: () => string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/** `detached`: in its own process group, as a terminal runs it (signal the group with -pid).
 * `prefix`: a command that execs the server (e.g. `unshare -m sh -c '...; exec "$@"' sh`), so
 * the child's pid is still the server's.
 * `inherit`: descriptors the server is started holding, as a supervisor or a shell may leave
 * them (its descriptor number -> ours); the ones between are closed. */
export async function spawnServer(
  env: Record<string, string>,
  cwd: string,
  args: string[] = [],
  options: { detached?: boolean; prefix?: string[]; inherit?: ReadonlyMap<number, number> } = {},
): Promise<ServerProcess> {
  let output = ''
  const extra: ('ignore' | number)[] = []
  for (const [at, fd] of options.inherit ?? []) {
    while (extra.length < at - 3) extra.push('ignore')
    extra[at - 3] = fd
  }
  const argv = [...(options.prefix ?? []), process.execPath, MAIN, ...args]
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', WARM_POOL_SIZE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...extra],
    detached: options.detached ?? false,
  })
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000)
    const check = () => {
      const m = /listening on (http:\/\/[^\s"]+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', check)
    void exited.then((code) => reject(new Error(`server exited (${code}): ${output}`)))
  })
  return { child, url, wsBase: url.replace(/^http/, 'ws'), output: () => output, exited }
}

/** Runs the server entry point, expected not to start: its exit code, or 'started' (then it
 * is killed at once, so a server that should have been refused fails the test, never hangs it). */
export function runToExit(env: Record<string, string>, cwd: string): Promise<{ code: number | string | null; output: string }> {
  return new Promise((resolve) => {
    let output = ''
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const heard = (d: Buffer) => {
      output += d
      if (/listening on http/.test(output)) {
        child.kill('SIGKILL')
        resolve({ code: 'started', output })
      }
    }
    child.stdout.on('data', heard)
    child.stderr.on('data', heard)
    child.once('exit', (code) => resolve({ code, output }))
  })
}
