// A real PostgreSQL server for tests: Debian's postgresql binaries, one throwaway cluster per
// test file in a temp dir, on a loopback port, fsync off. Each caller of `database()` gets a
// fresh empty database in it, so tests never see each other's rows.
// With TEST_DATABASE_URL set (an operator's own server), databases are made there instead.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './ports.js'

export interface PostgresServer {
  /** The server's admin URL (database "postgres"). */
  url: string
  /** A new empty database; its URL. */
  database(): Promise<string>
  /** Writes what the server holds to disk. It commits asynchronously and `halt` stops it as a
   * crash would, losing what is not: a test that reads its data after a `resume` calls this
   * before the `halt`. */
  checkpoint(): Promise<void>
  stop(): Promise<void>
  /** Stops the server, keeping its data and port (a database outage); `resume` starts it again.
   * Not with TEST_DATABASE_URL (someone else's server). */
  halt(): void
  resume(): void
  /** SIGSTOPs the server and its backends: every query hangs, none is refused (a database that
   * is unreachable, not down); `unpause` continues them. Not with TEST_DATABASE_URL. */
  pause(): void
  unpause(): void
}

const BIN_ROOT = '/usr/lib/postgresql'

/** The directory holding initdb and pg_ctl (the newest installed major version). */
function binDir(): string {
  if (!existsSync(BIN_ROOT)) throw new Error('PostgreSQL is not installed (apt-get install postgresql)')
  const versions = readdirSync(BIN_ROOT)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
  if (versions.length === 0) throw new Error(`no PostgreSQL version under ${BIN_ROOT}`)
  return join(BIN_ROOT, versions[0]!, 'bin')
}

/** initdb and the server refuse to run as root: as root, they run as the postgres user. */
function runAsOwner(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
}

let counter = 0

export async function startPostgres(): Promise<PostgresServer> {
  const external = process.env.TEST_DATABASE_URL
  if (external) {
    const refuse = () => {
      throw new Error('an external TEST_DATABASE_URL server cannot be stopped by a test')
    }
    return withDatabases(external, { stop: async () => {}, halt: refuse, resume: refuse, pause: refuse, unpause: refuse })
  }
  const bin = binDir()
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'))
  if (process.getuid?.() === 0) chownSync(dir, uidOf('postgres'), gidOf('postgres'))
  const data = join(dir, 'data')
  runAsOwner(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
  const start = () => runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start'])
  start()
  let halted = false
  const halt = () => {
    runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'])
    halted = true
  }
  const resume = () => {
    start()
    halted = false
  }
  // The postmaster (first line of postmaster.pid) and its children, by pid: this server's only.
  const processes = () => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0])
    const children = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === postmaster
        } catch {
          return false
        }
      })
      .map(Number)
    return [postmaster, ...children]
  }
  let paused: number[] = []
  const pause = () => {
    paused = processes()
    for (const pid of paused) process.kill(pid, 'SIGSTOP')
  }
  const unpause = () => {
    for (const pid of paused.splice(0).reverse()) process.kill(pid, 'SIGCONT')
  }
  const stop = async () => {
    unpause()
    if (halted) return void rmSync(dir, { recursive: true, force: true })
    try {
      runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return withDatabases(`postgres://postgres@127.0.0.1:${port}/postgres`, { stop, halt, resume, pause, unpause })
}

function withDatabases(url: string, control: Pick<PostgresServer, 'stop' | 'halt' | 'resume' | 'pause' | 'unpause'>): PostgresServer {
  return {
    ...control,
    url,
    async database() {
      const name = `test_${process.pid}_${Date.now()}_${++counter}`
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE ${name}`)
      } finally {
        await admin.end()
      }
      const next = new URL(url)
      next.pathname = `/${name}`
      return next.toString()
    },
    async checkpoint() {
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        await admin.query('CHECKPOINT')
      } finally {
        await admin.end()
      }
    },
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
}
function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
}
