// The capability objects (`files`, `commands`, `control`) and the flat names kept from the
// original client (`writeFile`, `exec`, `setModel`, ...) do the same thing, on the client and on
// an attached session, against the real server: one scenario is run through each surface and
// the answers (and refusals) compared.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  ClaudeAgentClient,
  isClaudeAgentClientError,
  type FileEntry,
  type FilesystemEvent,
  type SessionConnection,
} from '../../src/index.js'
import { startStack, waitFor, type Stack } from './helpers/stack.js'

type Surface = ClaudeAgentClient | SessionConnection

/** The workspace and command calls of one scenario, by way of the flat names or the capabilities. */
interface Workspace {
  write(path: string, data: string): Promise<FileEntry>
  read(path: string): Promise<string>
  readBytes(path: string): Promise<Uint8Array>
  readBlob(path: string): Promise<Blob>
  readStream(path: string): Promise<ReadableStream<Uint8Array>>
  list(path: string): Promise<FileEntry[]>
  info(path: string): Promise<FileEntry>
  makeDir(path: string): Promise<{ created: boolean }>
  remove(path: string): Promise<void>
  watch(path: string, onEvent: (event: FilesystemEvent) => void): Promise<{ stop(): Promise<void> }>
  run(command: string): Promise<{ exitCode: number | null; stdout: string }>
}

const flat = (s: Surface): Workspace => ({
  write: (p, d) => s.writeFile(p, d),
  read: (p) => s.readFile(p),
  readBytes: (p) => s.readFile(p, { encoding: 'binary' }),
  readBlob: (p) => s.readFile(p, 'blob'),
  readStream: (p) => s.readFileStream(p),
  list: (p) => s.listFiles(p),
  info: (p) => s.stat(p),
  makeDir: (p) => s.makeDir(p),
  remove: (p) => s.removeFile(p, { recursive: true }),
  watch: (p, on) => s.watchDir(p, on),
  run: (c) => s.exec(c, { shell: true }),
})

const capabilities = (s: Surface): Workspace => ({
  write: (p, d) => s.files.write(p, d),
  read: (p) => s.files.read(p),
  readBytes: (p) => s.files.read(p, { encoding: 'binary' }),
  readBlob: (p) => s.files.read(p, 'blob'),
  readStream: (p) => s.files.readStream(p),
  list: (p) => s.files.list(p),
  info: (p) => s.files.getInfo(p),
  makeDir: (p) => s.files.makeDir(p),
  remove: (p) => s.files.remove(p, { recursive: true }),
  watch: (p, on) => s.files.watchDir(p, on),
  run: (c) => s.commands.run(c, { shell: true }),
})

const refusal = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  )
  assert.ok(isClaudeAgentClientError(error))
  return { code: error.code, serverCode: error.serverCode }
}
const withoutTime = ({ mtime: _, ...entry }: FileEntry) => entry
const text = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text()

/** Everything one surface answers in `dir`, with what differs per run (times, the dir) taken out. */
async function scenario(ws: Workspace, dir: string) {
  const events: FilesystemEvent[] = []
  await ws.makeDir(dir)
  const watch = await ws.watch(dir, (event) => void events.push(event))
  const written = withoutTime(await ws.write(`${dir}/a.txt`, 'héllo'))
  await waitFor(() => events.some((e) => e.name === 'a.txt'), 'the watch event')
  await watch.stop()
  const answers = {
    written: { ...written, path: written.path.replace(dir, '<dir>') },
    text: await ws.read(`${dir}/a.txt`),
    bytes: [...(await ws.readBytes(`${dir}/a.txt`))],
    blob: await (await ws.readBlob(`${dir}/a.txt`)).text(),
    stream: await text(await ws.readStream(`${dir}/a.txt`)),
    list: (await ws.list(dir)).map((e) => e.name),
    info: withoutTime(await ws.info(`${dir}/a.txt`)).size,
    madeAgain: (await ws.makeDir(dir)).created,
    event: { type: events[0]!.type, name: events[0]!.name },
    run: await ws.run(`cat ${dir}/a.txt; exit 4`).then(({ exitCode, stdout }) => ({ exitCode, stdout })),
    outside: await refusal(ws.read('../outside.txt')),
    missing: await refusal(ws.info(`${dir}/nope`)),
  }
  await ws.remove(dir)
  return { ...answers, removed: await refusal(ws.info(dir)) }
}

describe('capability objects and flat aliases', () => {
  let stack: Stack
  const clients: ClaudeAgentClient[] = []
  before(async () => {
    stack = await startStack({ scripts: [] })
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.close()
  })

  it('client: files and commands answer the same through both', async () => {
    const client = new ClaudeAgentClient({ connectionUrl: stack.url })
    clients.push(client)
    const viaFlat = await scenario(flat(client), 'flat')
    assert.equal(viaFlat.text, 'héllo')
    assert.equal(viaFlat.outside.serverCode, 'PATH_OUTSIDE_WORKSPACE')
    assert.deepEqual(await scenario(capabilities(client), 'caps'), viaFlat)
  })

  it('attached session: files and commands answer the same through both, in its own directory', async () => {
    const client = new ClaudeAgentClient({ connectionUrl: stack.url })
    clients.push(client)
    await client.sessions.create({ id: 'cap-session', config: { cwd: 'cap-cwd' } })
    const session = await client.sessions.attach('cap-session')
    const viaFlat = await scenario(flat(session), 'flat')
    assert.deepEqual(await scenario(capabilities(session), 'caps'), viaFlat)
    assert.match((await session.commands.run('pwd')).stdout, /\/cap-cwd\n$/, 'commands run in the session')
    assert.deepEqual(await session.commands.run('pwd'), await session.exec('pwd'))
  })

  for (const where of ['client', 'attached session'] as const) {
    it(`${where}: control helpers answer the same through both, and control(request) still works`, async () => {
      const id = where === 'client' ? 'control-client' : 'control-attached'
      const client = new ClaudeAgentClient({ connectionUrl: stack.url, sessionId: id })
      clients.push(client)
      await client.sessions.create({ id })
      const surface: Surface = where === 'client' ? client : await client.sessions.attach(id)
      if (where === 'client') {
        const before = [await refusal(client.listModels()), await refusal(client.control.listModels())]
        assert.deepEqual(before, [
          { code: 'NOT_CONNECTED', serverCode: undefined },
          { code: 'NOT_CONNECTED', serverCode: undefined },
        ])
        await client.start()
      }
      const { control } = surface
      assert.deepEqual(await control.listCommands(), await surface.listCommands())
      assert.deepEqual(await control.listModels(), await surface.listModels())
      assert.deepEqual(await control.listMcpServers(), await surface.listMcpServers())
      assert.deepEqual(await control.setPermissionMode('plan'), await surface.setPermissionMode('plan'))
      const { setModel } = control // detached, as a flat method could be
      assert.deepEqual(await setModel('claude-cap'), await surface.setModel('claude-cap'))
      assert.deepEqual(await control({ subtype: 'interrupt' }), await control.request({ subtype: 'interrupt' }))
      assert.deepEqual(await control({ subtype: 'interrupt' }), { interrupted: false })
      const bad = { subtype: 'set_permission_mode', mode: 'nope' } as never
      assert.deepEqual(await refusal(control(bad)), await refusal(surface.setPermissionMode('nope' as never)))
    })
  }
})
