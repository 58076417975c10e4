// The real server entry point (the server package's dist/main.js) as a child process, for a test
// that kills it outright (SIGKILL: a crash) and starts it again on the same port and data.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('./main.js', import.meta.resolve('@claude-agent/server')))

export interface ServerProcess {
  child: ChildProcess
  url: string
  port: number
  /** Resolves with the exit code or the signal's name. */
  exited: Promise<number | string>
}

export async function spawnServer(env: Record<string, string>, cwd: string): Promise<ServerProcess> {
  let output = ''
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${output}`)), 30_000)
    const check = () => {
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      resolve(match[1]!)
    }
    child.stdout!.on('data', check)
    child.stderr!.on('data', check)
    void exited.then((code) => reject(new Error(`the server exited (${code}): ${output}`)))
  })
  return { child, url, port: Number(new URL(url).port), exited }
}
