// One "sandbox" of the E2B fake: a directory standing for its filesystem, the template's files
// mounted from this machine, host ports standing for its ports, and real processes (our real
// server) for the commands envd starts. Pause freezes the processes (SIGSTOP: memory kept), resume
// thaws them, kill and the sandbox timeout end them, as E2B does.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { join, posix } from 'node:path'
import type { ConnectStream } from './connect-stream.js'

export interface FakeTemplate {
  /** Sandbox directory -> host directory, e.g. `/opt/claude-agent-server` -> this checkout. */
  mounts: Record<string, string>
  /** The template's environment; values that are sandbox paths are mapped when a process starts. */
  envs: Record<string, string>
  /** Ports processes listen on (each gets a host port, see FakeSandbox.hostPort). */
  ports: number[]
}

export type SandboxState = 'running' | 'paused' | 'killed'

export interface FakeProcess {
  pid: number
  cmd: string
  /** The environment the caller asked for (before the fake maps paths and ports). */
  envs: Record<string, string>
  child: ChildProcess
  stream?: ConnectStream & { cut(): void }
  exited: Promise<void>
}

const HOME = '/home/user'
export const ENVD_VERSION = '0.5.7'

export class FakeSandbox {
  readonly envdAccessToken = randomBytes(16).toString('hex')
  readonly startedAt = new Date()
  readonly processes: FakeProcess[] = []
  /** Every timeout the sandbox was given (create, setTimeout, connect), in seconds. */
  readonly timeouts: number[] = []
  state: SandboxState = 'running'
  endAt = new Date()
  killedBy?: 'kill' | 'timeout'
  private timer?: ReturnType<typeof setTimeout>

  private constructor(
    readonly id: string,
    readonly templateId: string,
    readonly template: FakeTemplate,
    readonly metadata: Record<string, string>,
    readonly root: string,
    private readonly ports: Map<number, number>,
  ) {}

  static async create(
    templateId: string,
    template: FakeTemplate,
    metadata: Record<string, string>,
    baseDir: string,
    timeoutSeconds: number,
  ): Promise<FakeSandbox> {
    const ports = new Map<number, number>()
    for (const port of template.ports) ports.set(port, await freePort())
    const id = `fake${randomBytes(6).toString('hex')}`
    const root = join(baseDir, id)
    mkdirSync(join(root, HOME), { recursive: true })
    const sandbox = new FakeSandbox(id, templateId, template, metadata, root, ports)
    sandbox.extend(timeoutSeconds)
    return sandbox
  }

  /** The host port standing for the sandbox's `port`, if the template has it. */
  hostPort(port: number): number | undefined {
    return this.ports.get(port)
  }

  /** The host path of a sandbox path (relative ones are in the user's home); never outside the sandbox. */
  hostPath(path: string): string {
    const absolute = posix.resolve(HOME, path)
    const mount = Object.keys(this.template.mounts)
      .sort((a, b) => b.length - a.length)
      .find((dir) => absolute === dir || absolute.startsWith(`${dir}/`))
    if (mount) return join(this.template.mounts[mount]!, absolute.slice(mount.length))
    return join(this.root, absolute)
  }

  /** Kill when the timeout runs out, from now. */
  extend(seconds: number): void {
    this.timeouts.push(seconds)
    this.endAt = new Date(Date.now() + seconds * 1000)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.kill('timeout'), seconds * 1000)
    this.timer.unref()
  }

  /** Runs `bash -c cmd` with the caller's envs over the template's; output and exit go to `stream`. */
  startProcess(cmd: string, envs: Record<string, string>, cwd: string | undefined, stream: FakeProcess['stream']): FakeProcess {
    let command = cmd
    for (const [dir, host] of Object.entries(this.template.mounts)) command = command.split(dir).join(host)
    const child = spawn('/bin/bash', ['-c', command], {
      cwd: this.hostPath(cwd ?? HOME),
      env: this.processEnv(envs),
      detached: true, // its own process group, so pause and kill reach what it starts
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
    const proc: FakeProcess = { pid: child.pid ?? -1, cmd, envs, child, ...(stream && { stream }), exited }
    this.processes.push(proc)
    stream?.send({ event: { start: { pid: proc.pid } } })
    const forward = (name: 'stdout' | 'stderr') => (chunk: Buffer) =>
      proc.stream?.send({ event: { data: { [name]: chunk.toString('base64') } } })
    child.stdout!.on('data', forward('stdout'))
    child.stderr!.on('data', forward('stderr'))
    child.once('close', (code, signal) => {
      proc.stream?.send({
        event: { end: { exitCode: code ?? -1, exited: code !== null, status: signal ? `signal: ${signal}` : `exit status ${code}` } },
      })
      proc.stream?.end()
    })
    return proc
  }

  /** Resolves once every process is really stopped: SIGSTOP is delivered asynchronously, and
   * E2B's pause answers only when the sandbox is frozen. */
  async pause(): Promise<void> {
    this.state = 'paused'
    clearTimeout(this.timer)
    this.signalAll('SIGSTOP')
    // A paused sandbox drops its connections; the processes keep their memory.
    for (const proc of this.processes) proc.stream?.cut()
    const live = this.processes.filter(({ child }) => child.exitCode === null && child.signalCode === null)
    for (let tries = 0; tries < 400 && !live.every(({ pid }) => stoppedOrGone(pid)); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  resume(timeoutSeconds: number): void {
    this.signalAll('SIGCONT')
    this.state = 'running'
    this.extend(timeoutSeconds)
  }

  async kill(by: 'kill' | 'timeout'): Promise<void> {
    if (this.state === 'killed') return
    this.state = 'killed'
    this.killedBy = by
    clearTimeout(this.timer)
    this.signalAll('SIGKILL')
    for (const proc of this.processes) proc.stream?.cut()
    await Promise.all(this.processes.map((proc) => proc.exited))
  }

  private signalAll(signal: NodeJS.Signals): void {
    for (const { child } of this.processes) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue
      try {
        process.kill(-child.pid, signal)
      } catch {
        // already gone
      }
    }
  }

  /** Only what a sandbox would have: PATH, its home, the template's envs (mapped), the caller's. */
  private processEnv(envs: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: this.hostPath(HOME) }
    for (const [name, value] of Object.entries({ ...this.template.envs, ...envs })) {
      env[name] = value.startsWith('/') ? this.hostPath(value) : value
    }
    const port = this.hostPort(Number(env['PORT']))
    if (port !== undefined) env['PORT'] = String(port)
    if (env['HOST'] === '0.0.0.0') env['HOST'] = '127.0.0.1' // "all interfaces" of the sandbox: loopback here
    return env
  }
}

/** A port nothing listens on (it was free a moment ago). */
export const closedPort = (): Promise<number> => freePort()

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The process is stopped (state T) or no longer exists. */
function stoppedOrGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')
  } catch {
    return true
  }
}
