// `node --import tsx bench/tools/server-cpu.ts [--turns N] [--warmup N] [--lean] [--threads] [--profile DIR | --callgrind DIR | --strace FILE] [--node-options '...']`:
// the server process's own CPU per warm text turn. A bare WebSocket client drives one session,
// so the bench process adds nothing to the server's figure.
// - default: CPU time (user + system, read by the probe) per turn; on a loaded machine it
//   moves with the load (shared caches, frequency), so compare runs made back to back.
// - --profile: the measured turns are then CPU-profiled a second time (the probe's inspector
//   session, warm-up left out) and the top functions printed; the profile stays in DIR.
// - --threads: also the CPU time per turn of each of the server's threads, grouped by name
//   (the main thread, V8's compiler and GC workers, libuv's pool, our worker threads), read
//   from /proc/<pid>/task/*/schedstat (nanoseconds on the CPU).
// - --node-options: NODE_OPTIONS for the server (V8's heap and GC flags, to compare).
// - --strace: the server's system calls over the measured turns, counted by kind (strace -c,
//   every thread), into FILE; strace slows each call, so the CPU figure of that run is not one.
// - --callgrind: the server runs under valgrind's callgrind, its counters zeroed before the
//   measured turns and dumped after them: instructions per turn, which repeat whatever else
//   the machine is doing (JIT and GC timing still move them a little).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createSession } from '../lib/api.js'
import { PROMPT } from '../lib/scenario.js'
import { startStack } from '../lib/stack.js'
import { WsRecorder, is } from '../lib/ws-recorder.js'
import { topSelfTime } from './cpu-profile.js'
import { option, runTool } from '../lib/tool.js'

const dirOption = (name: string) => {
  const value = option(name)
  if (value === undefined) return undefined
  const dir = resolve(value || name.slice(2))
  mkdirSync(dir, { recursive: true })
  return dir
}

/** The instructions callgrind counted (its `summary:` line) in the dump of the measured turns.
 * With --separate-threads the dump holds the thread that took the dump request: the main
 * thread (the event loop: our code, the SDK, ws, SQLite). V8's compiler and GC threads are
 * left out: their work moves with JIT timing, and made two runs of the same code differ more
 * than the change measured. */
function callgrindMainThread(dir: string): number {
  const file = readdirSync(dir).find((f) => /^callgrind\.out\.\d+\.1(-01)?$/.test(f))
  if (!file) throw new Error(`no callgrind dump in ${dir}`)
  const summary = /^summary: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))
  if (!summary) throw new Error(`no summary in ${file}`)
  return Number(summary[1])
}

/** Nanoseconds each thread of `pid` has run, summed by thread name (its `comm`; the main thread apart). */
function threadTimes(pid: number): Map<string, number> {
  const byName = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      // Node 20 names few threads (V8's workers are all "node"): the main one is told apart.
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      const name = tid === String(pid) ? `${comm} (main thread)` : comm
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      byName.set(name, (byName.get(name) ?? 0) + ns)
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName
}

function threadReport(before: Map<string, number>, after: Map<string, number>, turns: number): string {
  const rows = [...after].map(([name, ns]) => [name, (ns - (before.get(name) ?? 0)) / turns / 1e6] as const)
  return rows
    .filter(([, ms]) => ms >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `  ${ms.toFixed(2).padStart(6)} ms  ${name}`)
    .join('\n')
}

/** strace -c on every thread of the server: system calls by kind, counted over the measured turns. */
function startStrace(pid: number, file: string): ChildProcess {
  return spawn('strace', ['-c', '-f', '-o', resolve(file), '-p', String(pid)], { stdio: 'ignore' })
}

async function stopStrace(tracer: ChildProcess): Promise<void> {
  const exited = new Promise((r) => tracer.once('exit', r))
  tracer.kill('SIGINT')
  await exited
}

async function main(): Promise<void> {
  const turns = Number(option('--turns') ?? 100)
  const warmup = Number(option('--warmup') ?? 20)
  const lean = process.argv.includes('--lean')
  const threads = process.argv.includes('--threads')
  const profileDir = dirOption('--profile')
  const callgrindDir = dirOption('--callgrind')
  const straceFile = option('--strace')
  const nodeOptions = option('--node-options')
  const stack = await startStack({
    ...(callgrindDir && {
      wrapper: ['valgrind', '--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${callgrindDir}/callgrind.out.%p`],
    }),
    ...(nodeOptions && { env: { NODE_OPTIONS: nodeOptions } }),
  })
  const file = profileDir && join(profileDir, `turns-${Date.now()}.cpuprofile`)
  try {
    await createSession(stack.server.url, 'cpu', lean ? { profile: 'lean' } : {})
    const ws = await WsRecorder.open(stack.server.wsUrl('cpu'))
    const turn = async () => {
      ws.clear()
      ws.prompt(PROMPT.turn)
      await ws.next(is.result, 0, 600_000)
    }
    for (let i = 0; i < warmup; i++) await turn()
    const control = (command: '-z' | '-d') =>
      execFileSync('callgrind_control', [command, String(stack.server.pid)], {
        stdio: ['ignore', 'ignore', 'inherit'],
        // vgdb finds the process by a FIFO named after the user and HOST of its environment.
        env: { ...process.env, HOST: '127.0.0.1' },
      })
    if (callgrindDir) control('-z')
    const tracer = straceFile ? startStrace(stack.server.pid, straceFile) : undefined
    if (tracer) await new Promise((r) => setTimeout(r, 1_000)) // strace attaches to every thread
    const cpu0 = await stack.server.cpuSplitMs()
    const threads0 = threads ? threadTimes(stack.server.pid) : undefined
    for (let i = 0; i < turns; i++) await turn()
    const threads1 = threads ? threadTimes(stack.server.pid) : undefined
    const cpu1 = await stack.server.cpuSplitMs()
    if (tracer) await stopStrace(tracer)
    const [user, system] = [(cpu1.user - cpu0.user) / turns, (cpu1.system - cpu0.system) / turns]
    if (callgrindDir) control('-d')
    if (threads0 && threads1) console.log(`CPU time per warm turn by thread:\n${threadReport(threads0, threads1, turns)}`)
    if (file) {
      await stack.server.profile()
      for (let i = 0; i < turns; i++) await turn()
      await stack.server.profile(file)
    }
    await ws.close()
    const what = `${turns} turns after ${warmup}; ${lean ? 'lean' : 'default'} profile`
    const split = `user ${user.toFixed(2)} + system ${system.toFixed(2)}`
    console.log(
      `server CPU time per warm turn: ${(user + system).toFixed(2)} ms = ${split} (${what}${callgrindDir ? ', under valgrind' : ''})`,
    )
  } finally {
    await stack.stop()
  }
  if (callgrindDir) {
    const perTurn = callgrindMainThread(callgrindDir) / turns / 1e6
    console.log(`server instructions per warm turn, main thread: ${perTurn.toFixed(2)} M (callgrind, ${callgrindDir})`)
  }
  if (file) console.log(`${file}, ${turns} turns:\n${topSelfTime(JSON.parse(readFileSync(file, 'utf8')), 40)}`)
}

runTool(main)
