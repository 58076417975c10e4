// What `/ready` checks: the data directory takes a write, the sandbox can start, the model
// endpoint (when one is configured) accepts a connection, and the PostgreSQL store (when
// DATABASE_URL is set) answers a query. Each check is cached briefly, so a
// load balancer polling every second costs one probe per check and period, not one per poll.
import { execFile } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { where } from './event-log/postgres-pool.js'
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
  /** The PostgreSQL store's DATABASE_URL, when the server runs on one. */
  databaseUrl?: string | undefined
  /** How long the database's result is reused: short, since a node without it can serve nothing. @default 2 s */
  databaseCacheMs?: number
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

/** `SELECT 1` on a connection of its own (a busy or broken pool does not hold it up), bounded
 * by `timeoutMs` whether the server refuses, hangs or answers. Never names the password. */
async function postgresAnswers(url: string, timeoutMs: number): Promise<CheckResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs })
  client.on('error', () => {})
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    await Promise.race([client.connect().then(() => client.query('SELECT 1')), bound])
    return { ok: true }
  } catch (err) {
    return { ok: false, detail: `PostgreSQL at ${where(url)} does not answer: ${message(err)}` }
  } finally {
    clearTimeout(timer)
    void client.end().catch(() => {})
  }
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
  const { databaseUrl } = options
  if (databaseUrl !== undefined)
    probes['database'] = cached(options.databaseCacheMs ?? 2_000, () => postgresAnswers(databaseUrl, timeoutMs))
  return async () => {
    const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await probe()] as const))
    const checks = Object.fromEntries(entries)
    return { ok: entries.every(([, r]) => r.ok), checks }
  }
}
