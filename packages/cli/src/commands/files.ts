// `claude-agent files [ID] ls|get|put`: a session's workspace (without ID, the default session's).
import { createReadStream, createWriteStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { chmod, realpath, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { clientSetup, newClient } from '../connect.js'
import { EXIT, UsageError } from '../errors.js'
import type { Io } from '../io.js'
import { removedOnSignal } from '../removed-on-signal.js'
import { printable } from '../scrub.js'

export const FILES_HELP = `Usage: claude-agent files [ID] ls [--recursive] [PATH]
       claude-agent files [ID] get PATH [DEST]    (DEST '-' or missing: stdout)
       claude-agent files [ID] put SRC PATH       (SRC '-': stdin)

Session ID's workspace (each named session has its own); without ID, the default session's.
PATH is relative to the workspace's root.

${CONNECTION_HELP}`

const ACTIONS = ['ls', 'get', 'put']
const OPTIONS = { ...CONNECTION_OPTIONS, recursive: { type: 'boolean', short: 'r' } } as const

export async function files(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  if (values.help) return io.print(FILES_HELP)
  // `files ID ls ...`: a first word that is no action names the session.
  const named = positionals[0] !== undefined && !ACTIONS.includes(positionals[0])
  const sessionId = named ? positionals[0] : undefined
  const [action, first, second, ...rest] = named ? positionals.slice(1) : positionals
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
  if (action === 'get' && !first) throw new UsageError('files get needs a PATH')
  if (action === 'put' && (!first || !second)) throw new UsageError('files put needs SRC and PATH')
  if (action !== 'ls' && action !== 'get' && action !== 'put')
    throw new UsageError('files needs ls, get or put (see claude-agent files --help)')
  const setup = clientSetup(values, io.env, sessionId === undefined ? {} : { sessionId })
  const client = newClient(setup, false)
  try {
    if (setup.starts) await client.start()
    if (action === 'ls') {
      // A name may hold an escape sequence: on a terminal it is shown, not obeyed (a pipe gets it as it is).
      const shown = io.stdout.isTTY ? printable : (path: string) => path
      for (const e of await client.files.list(first ?? '.', { recursive: values.recursive === true })) {
        io.stdout.write(`${shown(e.type === 'directory' ? `${e.path}/` : e.path)}\t${e.size}\t${e.mtime}\n`)
      }
    } else if (action === 'get') {
      const stream = Readable.fromWeb((await client.files.readStream(first!)) as WebReadableStream<Uint8Array>)
      if (second && second !== '-') await saveAs(stream, second, first!)
      else for await (const chunk of stream) io.stdout.write(chunk as Uint8Array)
    } else {
      const entry = await client.files.write(second!, first === '-' ? io.stdin : createReadStream(first!))
      io.stderr.write(`wrote ${printable(entry.path)} (${entry.size} bytes)\n`)
    }
    return EXIT.ok
  } finally {
    await client.stop()
  }
}

/** As cp does: into DEST, or DEST/<name> when DEST is a directory; a DEST that is a link is
 *  written through, and an existing file keeps its permissions. Whole or not at all: a download
 *  that breaks off leaves DEST as it was, not cut short. */
async function saveAs(stream: Readable, dest: string, remotePath: string): Promise<void> {
  const found = await stat(dest).catch(() => undefined)
  const named = found?.isDirectory() ? join(dest, basename(remotePath)) : dest
  const target = await realpath(named).catch(() => named)
  const existing = found?.isDirectory() ? await stat(target).catch(() => undefined) : found
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`)
  const unguard = removedOnSignal(temp)
  try {
    await pipeline(stream, createWriteStream(temp, { flags: 'wx', ...(existing?.isFile() && { mode: existing.mode & 0o7777 }) }))
    if (existing?.isFile()) await chmod(temp, existing.mode & 0o7777) // the umask may have taken bits
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true }) // a random name: never anyone else's file
    // A local file system failure names DEST, not the temporary file beside it.
    const code = (error as NodeJS.ErrnoException).syscall ? (error as NodeJS.ErrnoException).code : undefined
    throw code ? new Error(`${code}: cannot write ${target}`, { cause: error }) : error
  } finally {
    unguard()
  }
}
