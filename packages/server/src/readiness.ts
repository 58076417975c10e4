// What `/ready` checks: the data directory takes a write, the sandbox can start, and the model
// endpoint (when one is configured) accepts a connection. Each check is cached briefly, so a
// load balancer polling every second costs one probe per check and period, not one per poll.
import { execFile } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { NAMESPACE_ARGS } from './sandbox/bwrap-args.js'
import type { Sandbox } from './sandbox/sandbox.js'

export interface CheckResult {
  ok: boolean
  /** Why it failed (or what passed, e.g. `none: no isolation`). */
  detail?: string
}
export type ReadinessChecks = Record<string, CheckResult>

export interface ReadinessOptions {
  dataDir: string
  sandbox: Sandbox
  /** The model API to reach, when one is configured (ANTHROPIC_BASE_URL or the demo model). */
  modelUrl?: string | undefined
  /** How long a result is reused. @default 5 s */
  cacheMs?: number
  /** Each probe's bound. @default 3 s */
  timeoutMs?: number
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** A probe run at most once per `ms`; callers meanwhile share the last (or the running) result. */
function cached(ms: number, probe: () => Promise<CheckResult>): () => Promise<CheckResult> {
  let last: { at: number; result: Promise<CheckResult> } | undefined
  return () => {
    if (!last || performance.now() - last.at > ms) {
      last = { at: performance.now(), result: probe().catch((err: unknown) => ({ ok: false, detail: message(err) })) }
    }
    return last.result
  }
}

async function dataDirWritable(dir: string): Promise<CheckResult> {
  const probe = join(dir, `.ready-${process.pid}`)
  writeFileSync(probe, 'ok')
  rmSync(probe, { force: true })
  return { ok: true }
}

/** The same namespaces a session gets, around `node --version`. */
function bwrapStarts(bwrap: string, timeoutMs: number): Promise<CheckResult> {
  const args = [...NAMESPACE_ARGS, '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', process.execPath, '--version']
  return new Promise((resolve) => {
    execFile(bwrap, args, { timeout: timeoutMs }, (err, _stdout, stderr) =>
      resolve(err ? { ok: false, detail: `bubblewrap cannot start a sandbox: ${(stderr || err.message).trim()}` } : { ok: true }),
    )
  })
}

function tcpReachable(url: string, timeoutMs: number): Promise<CheckResult> {
  const target = new URL(url)
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80))
  const host = target.hostname.replace(/^\[|\]$/g, '')
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs })
    const done = (result: CheckResult) => {
      socket.destroy()
      resolve(result)
    }
    socket.once('connect', () => done({ ok: true }))
    socket.once('timeout', () => done({ ok: false, detail: `${target.host} did not answer within ${timeoutMs} ms` }))
    socket.once('error', (err) => done({ ok: false, detail: `${target.host} cannot be reached: ${err.message}` }))
  })
}

/** Runs every check (cached); `ok` when all pass. */
export function readiness(options: ReadinessOptions): () => Promise<{ ok: boolean; checks: ReadinessChecks }> {
  const ms = options.cacheMs ?? 5_000
  const timeoutMs = options.timeoutMs ?? 3_000
  const { sandbox } = options
  const bwrap = 'bwrap' in sandbox && typeof sandbox.bwrap === 'string' ? sandbox.bwrap : undefined
  const probes: Record<string, () => Promise<CheckResult>> = {
    dataDir: cached(ms, () => dataDirWritable(options.dataDir)),
    sandbox: cached(ms, () =>
      bwrap ? bwrapStarts(bwrap, timeoutMs) : Promise.resolve({ ok: true, detail: `${sandbox.kind}: no isolation` }),
    ),
  }
  const { modelUrl } = options
  if (modelUrl !== undefined) probes['model'] = cached(ms, () => tcpReachable(modelUrl, timeoutMs))
  return async () => {
    const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await probe()] as const))
    const checks = Object.fromEntries(entries)
    return { ok: entries.every(([, r]) => r.ok), checks }
  }
}
