// Files, watch and exec through the client against the real server: text and binary round
// trips (bytes, Blob, streams), listing and deleting, error codes for paths that leave the
// workspace, a watch that sees writes, and commands whose output streams in.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, FilesystemEventType, isClaudeAgentClientError, type FilesystemEvent } from '../../src/index.js'
import { startStack, waitFor, type Stack } from './helpers/stack.js'

const refused = (code: string) => (error: unknown) => isClaudeAgentClientError(error, 'REQUEST_FAILED') && error.serverCode === code

describe('files and exec end to end', () => {
  let stack: Stack
  let client: ClaudeAgentClient

  before(async () => {
    stack = await startStack({ scripts: [] })
    client = new ClaudeAgentClient({ connectionUrl: stack.url })
  })
  after(async () => {
    await client.stop()
    await stack.close()
  })

  it('writes and reads text (UTF-8, also through the original "text" argument)', async () => {
    const entry = await client.writeFile('notes/hello.txt', 'Grüße, 世界 👋\n')
    assert.deepEqual([entry.path, entry.type], ['notes/hello.txt', 'file'])
    assert.equal(await client.readFile('notes/hello.txt'), 'Grüße, 世界 👋\n')
    assert.equal(await client.readFile('notes/hello.txt', 'text'), 'Grüße, 世界 👋\n')
  })

  it('round-trips binary content exactly: bytes, a Blob, a Node stream', async () => {
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 7))
    await client.writeFile('bin/random.bin', bytes)
    assert.deepEqual(await client.readFile('bin/random.bin', { encoding: 'binary' }), bytes)

    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    await client.writeFile('bin/all.bin', new Blob([all]))
    const blob = await client.readFile('bin/all.bin', 'blob')
    assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), all)

    const chunks = [Buffer.from([0, 255, 1]), Buffer.from('ok'), Buffer.from([0xc3])]
    await client.writeFile('bin/streamed.bin', Readable.from(chunks))
    assert.deepEqual(await client.readFile('bin/streamed.bin', { encoding: 'binary' }), new Uint8Array(Buffer.concat(chunks)))

    const stream = await client.readFileStream('bin/random.bin')
    let length = 0
    for await (const chunk of stream) length += chunk.byteLength
    assert.equal(length, bytes.byteLength)
  })

  it('a source that fails while it is read rejects SOURCE_FAILED and writes nothing', async () => {
    await client.writeFile('kept.txt', 'before')
    const sourceFailed = (cause: RegExp) => (error: unknown) =>
      isClaudeAgentClientError(error, 'SOURCE_FAILED') && /nothing was written/.test(error.message) && cause.test(error.message)
    // A file that is not there, a directory, a stream that breaks after its first chunk (Node's
    // and the web's): never the server's fault, never a file cut short.
    await assert.rejects(client.writeFile('kept.txt', createReadStream(join(tmpdir(), 'no-such-file-here'))), sourceFailed(/ENOENT/))
    await assert.rejects(client.writeFile('kept.txt', createReadStream(tmpdir())), sourceFailed(/EISDIR/))
    const broken = async function* () {
      yield Buffer.alloc(256 * 1024, 'x')
      throw new Error('the disk went away')
    }
    await assert.rejects(client.writeFile('kept.txt', Readable.from(broken())), sourceFailed(/the disk went away/))
    await assert.rejects(client.writeFile('new.txt', Readable.from(broken())), sourceFailed(/the disk went away/))
    let sent = false
    const web = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('the tab closed'))
        sent = true
        controller.enqueue(new Uint8Array(1024))
      },
    })
    await assert.rejects(client.writeFile('kept.txt', web), sourceFailed(/the tab closed/))
    // Chunks that are no data (an object-mode stream), and no data at all.
    await assert.rejects(client.writeFile('kept.txt', Readable.from(['ok', { a: 1 }])), sourceFailed(/a chunk is object/))
    await assert.rejects(client.writeFile('kept.txt', Readable.from([Buffer.from('ok'), 7])), sourceFailed(/a chunk is number/))
    for (const nothing of [null, undefined, 42, { a: 1 }])
      await assert.rejects(client.writeFile('kept.txt', nothing as never), (error: unknown) =>
        isClaudeAgentClientError(error, 'INVALID_ARGUMENT'),
      )
    assert.equal(await client.readFile('kept.txt'), 'before')
    await assert.rejects(client.stat('new.txt'), refused('FILE_NOT_FOUND'))
    // Nothing of them is left beside it either (no temporary file).
    assert.deepEqual(
      (await client.listFiles('.')).map((e) => e.name).filter((name) => name !== 'notes' && name !== 'bin'),
      ['kept.txt'],
    )
    // An unreachable server is still CONNECTION_FAILED, whatever the data.
    const nowhere = new ClaudeAgentClient({ connectionUrl: 'http://127.0.0.1:9' })
    await assert.rejects(nowhere.writeFile('x.txt', Readable.from(['x'])), (error: unknown) =>
      isClaudeAgentClientError(error, 'CONNECTION_FAILED'),
    )
    await client.removeFile('kept.txt')
  })

  it('lists, stats, makes directories and removes', async () => {
    const made = await client.makeDir('tree/a/b')
    assert.equal(made.created, true)
    assert.equal((await client.makeDir('tree/a/b')).created, false)
    await client.writeFile('tree/a/b/leaf.txt', 'leaf')
    assert.deepEqual(
      (await client.listFiles('tree', { recursive: true })).map((e) => e.path),
      ['tree/a', 'tree/a/b', 'tree/a/b/leaf.txt'],
    )
    assert.deepEqual(
      (await client.listFiles('tree')).map((e) => e.name),
      ['a'],
    )
    assert.equal((await client.stat('tree/a/b/leaf.txt')).size, 4)
    await assert.rejects(client.removeFile('tree'), refused('DIRECTORY_NOT_EMPTY'))
    await client.removeFile('tree', { recursive: true })
    await assert.rejects(client.stat('tree'), refused('FILE_NOT_FOUND'))
  })

  it('refuses paths outside the workspace, missing files and directories with the server codes', async () => {
    await assert.rejects(client.readFile('../outside.txt'), refused('PATH_OUTSIDE_WORKSPACE'))
    await assert.rejects(client.writeFile('/etc/claude-agent-test', 'x'), refused('PATH_OUTSIDE_WORKSPACE'))
    await assert.rejects(client.listFiles('a/../../..'), refused('PATH_OUTSIDE_WORKSPACE'))
    await assert.rejects(
      client.watchDir('..', () => {}),
      refused('PATH_OUTSIDE_WORKSPACE'),
    )
    await assert.rejects(client.exec('ls', { cwd: '../..' }), refused('PATH_OUTSIDE_WORKSPACE'))
    await assert.rejects(client.readFile('no/such/file.txt'), refused('FILE_NOT_FOUND'))
    await client.makeDir('a-dir')
    await assert.rejects(client.readFile('a-dir'), refused('IS_A_DIRECTORY'))
  })

  it('watchDir sees a write, a rewrite and a removal; onExit when the directory goes', async () => {
    await client.makeDir('watched')
    const events: FilesystemEvent[] = []
    const exits: unknown[] = []
    const watch = await client.watchDir('watched', (event) => void events.push(event), {
      recursive: true,
      onExit: (error) => exits.push(error),
    })
    await client.writeFile('watched/new.txt', 'one')
    await waitFor(() => events.some((e) => e.type === FilesystemEventType.CREATE), 'the CREATE event')
    assert.deepEqual(events[0], { type: 'create', name: 'new.txt', path: 'watched/new.txt', fileType: 'file' })
    await client.writeFile('watched/new.txt', 'two')
    await waitFor(() => events.some((e) => e.type === FilesystemEventType.WRITE), 'the WRITE event')
    await client.removeFile('watched', { recursive: true })
    await waitFor(() => exits.length === 1, 'onExit')
    assert.ok(events.some((e) => e.type === FilesystemEventType.REMOVE))
    assert.ok(isClaudeAgentClientError(exits[0], 'CONNECTION_CLOSED') && exits[0].serverCode === 'FILE_NOT_FOUND')
    await watch.stop()
  })

  it('exec streams output as it comes and resolves with the exit code', async () => {
    const out: string[] = []
    // The command waits for a file the test writes only after it saw the first line: proof
    // the output arrived while the command still ran.
    const run = client.exec('echo ready; while [ ! -f go.flag ]; do sleep 0.05; done; echo finished; echo oops >&2; exit 3', {
      shell: true,
      onStdout: (data) => out.push(data),
    })
    await waitFor(() => out.join('').includes('ready'), 'the first line')
    await client.writeFile('go.flag', '')
    const result = await run
    assert.deepEqual(
      { exitCode: result.exitCode, signal: result.signal, timedOut: result.timedOut, stdout: result.stdout, stderr: result.stderr },
      { exitCode: 3, signal: null, timedOut: false, stdout: 'ready\nfinished\n', stderr: 'oops\n' },
    )
    assert.equal(out.join(''), result.stdout)
  })

  it('exec passes arguments literally, takes cwd, env and stdin, and reports timeouts and unknown programs', async () => {
    assert.equal((await client.exec('printf', { args: ['%s|', 'a b', '$HOME'] })).stdout, 'a b|$HOME|')
    await client.makeDir('sub')
    assert.match((await client.exec('pwd', { cwd: 'sub' })).stdout, /\/sub\n$/)
    assert.equal((await client.exec('echo "$GREETING"', { shell: true, env: { GREETING: 'hi' } })).stdout, 'hi\n')
    assert.equal((await client.exec('cat', { stdin: 'from stdin' })).stdout, 'from stdin')
    const slow = await client.exec('sleep', { args: ['30'], timeoutMs: 200 })
    assert.deepEqual([slow.timedOut, slow.exitCode, slow.signal], [true, null, 'SIGKILL'])
    await assert.rejects(client.exec('definitely-not-a-program-xyz'), refused('EXEC_FAILED'))
    await assert.rejects(client.exec('ls', { sessionId: 'no-such-session' }), refused('SESSION_NOT_FOUND'))
  })
})
