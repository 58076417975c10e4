// Runs the real server (packages/server/dist/main.js) as a child process, as in production,
// so its event loop and its memory are its own. A preloaded probe answers memory questions.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthy } from './api.js'
import { sleep, waitFor, within } from './clock.js'
import { BENCH_API_KEY } from './model.js'
import { statusKb } from './proc.js'
import { REPO } from './repo.js'

const MAIN = join(REPO, 'packages', 'server', 'dist', 'main.js')
const PROBE = join(REPO, 'bench', 'lib', 'server-probe.mjs')

export interface ServerMemory {
  /** From /proc/<pid>/status, KiB. */
  rssKb: number
  /** From process.memoryUsage() after a full GC, bytes. */
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
  /** Used bytes per V8 heap space (old_space, code_space, ...). */
  spaces: Record<string, number>
}

/** One chunk the server read or wrote on a socket (server-trace.mjs). */
export interface TraceEvent {
  /** The server's monotonic clock (process.hrtime, the CPU profile's clock too), ms. */
  t: number
  /** end: the gateway's request body ended. */
  dir: 'in' | 'out' | 'end'
  /** client: a WebSocket or HTTP client; pipe: the CLI's stdio; gateway: the CLI's model
   * connection; upstream: the gateway's connection to the model. */
  kind: 'client' | 'pipe' | 'gateway' | 'upstream' | 'other'
  bytes: number
  /** The chunk holds a `result` message (the end of a turn). */
  result: boolean
}

export interface ServerProcess {
  readonly url: string
  readonly pid: number
  readonly dataDir: string
  /** `ws://.../sessions/<id>/ws` plus an optional query string. */
  wsUrl(sessionId: string, query?: string): string
  memory(): Promise<ServerMemory>
  /** CPU time the server process has used so far (user + system), ms. */
  cpuMs(): Promise<number>
  /** The same, user and system (kernel) time apart, ms. */
  cpuSplitMs(): Promise<{ user: number; system: number }>
  /** Starts a CPU profile of the server (no file), or stops it and writes it to `file`. */
  profile(file?: string): Promise<void>
  /** Starts a timeline of the server's socket traffic (server-trace.mjs), or stops it and
   * returns it. */
  trace(on: boolean): Promise<TraceEvent[]>
  /** SIGTERM (grace 0: turns are interrupted), wait for exit, remove the data dir. */
  stop(): Promise<void>
}

export interface ServerProcessOptions {
  /** ANTHROPIC_BASE_URL for the agents (the tap). */
  modelUrl: string
  /** An existing data dir (e.g. a prefilled event log); it is still removed on stop(). */
  dataDir?: string
  /** Extra environment, e.g. SESSION_IDLE_TIMEOUT_MS. */
  env?: Record<string, string>
  /** A command the server runs under, e.g. valgrind (bench/tools/server-cpu.ts): it starts
   * far slower, so the wait for it is longer. */
  wrapper?: string[]
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

export async function spawnServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cas-bench-'))
  // With LOG_LEVEL=warn the server does not print its address: pick the port ourselves.
  const port = await freePort()
  let output = ''
  const [command = process.execPath, ...args] = [...(options.wrapper ?? []), process.execPath, '--expose-gc', '--import', PROBE, MAIN]
  const child: ChildProcess = spawn(command, args, {
    cwd: dataDir, // no stray .env
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: BENCH_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_MS: '0',
      // No CLI started ahead, so each measure counts only its own; cold-start asks for one.
      WARM_POOL_SIZE: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  /** One question to the probe (server-probe.mjs), one answer. */
  const ask = (type: 'memory' | 'cpu' | 'profile' | 'trace', extra: Record<string, string | boolean> = {}) => {
    const reply = new Promise<Record<string, number>>((resolve) => {
      const onMessage = (m: Record<string, number> & { type?: string }) => {
        if (m.type !== type) return
        child.off('message', onMessage)
        resolve(m)
      }
      child.on('message', onMessage)
    })
    child.send({ type, ...extra })
    return within(`the server probe (${type})`, reply, 30_000)
  }
  await waitFor(
    `the server on ${url}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${output}`)
      return healthy(url)
    },
    options.wrapper ? 600_000 : 30_000,
  )

  return {
    url,
    pid: child.pid!,
    dataDir,
    wsUrl: (id, query) => `ws://127.0.0.1:${port}/sessions/${id}/ws${query ? `?${query}` : ''}`,
    async memory() {
      const usage = await ask('memory')
      // Read RSS after the GC the probe ran, so freed pages are not counted.
      return {
        rssKb: statusKb(child.pid!, 'VmRSS') ?? Number.NaN,
        heapUsed: usage['heapUsed']!,
        heapTotal: usage['heapTotal']!,
        external: usage['external']!,
        arrayBuffers: usage['arrayBuffers']!,
        spaces: usage['spaces'] as unknown as Record<string, number>,
      }
    },
    async cpuMs() {
      const usage = await ask('cpu')
      return (usage['user']! + usage['system']!) / 1000
    },
    async cpuSplitMs() {
      const usage = await ask('cpu')
      return { user: usage['user']! / 1000, system: usage['system']! / 1000 }
    },
    async profile(file) {
      await ask('profile', file === undefined ? {} : { file })
    },
    async trace(on) {
      const answer = await ask('trace', { on })
      return answer['events'] as unknown as TraceEvent[]
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        const done = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)])
        if (!done) {
          child.kill('SIGKILL')
          await exited
        }
      }
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
    },
  }
}
