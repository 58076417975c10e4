// The file API against a real server: list, stat, read, write, mkdir, delete with their error
// codes; a large binary round trip streamed both ways; the upload size limit.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startStack, type Stack } from '../helpers/stack.js'
import { call, q } from './helpers.js'

describe('file API', () => {
  let stack: Stack
  let small: Stack

  before(async () => {
    stack = await startStack()
    small = await startStack({ settings: { maxFileBytes: 1000 } })
  })
  after(async () => {
    await stack.close()
    await small.close()
  })

  it('writes, reads, stats and lists files', async () => {
    const put = await call(stack.url, 'PUT', `/files/content${q('docs/notes/hello.txt')}`, 'hello, world\n')
    assert.equal(put.status, 201, JSON.stringify(put.body))
    assert.deepEqual(
      { ...put.body['entry'], mtime: undefined },
      { name: 'hello.txt', path: 'docs/notes/hello.txt', type: 'file', size: 13, mtime: undefined },
    )
    assert.equal(readFileSync(join(stack.workspace, 'docs/notes/hello.txt'), 'utf8'), 'hello, world\n')

    const again = await call(stack.url, 'PUT', `/files/content${q('docs/notes/hello.txt')}`, 'replaced')
    assert.equal(again.status, 200)
    const read = await fetch(`${stack.url}/files/content${q('docs/notes/hello.txt')}`)
    assert.equal(read.status, 200)
    assert.equal(read.headers.get('content-type'), 'application/octet-stream')
    assert.equal(read.headers.get('content-length'), '8')
    assert.equal(await read.text(), 'replaced')

    const stat = await call(stack.url, 'GET', `/files/stat${q('docs/notes')}`)
    assert.equal(stat.body['entry'].type, 'directory')
    assert.equal(stat.body['entry'].path, 'docs/notes')
    assert.ok(!Number.isNaN(Date.parse(stat.body['entry'].mtime)))
    const root = await call(stack.url, 'GET', '/files/stat')
    assert.equal(root.body['entry'].path, '.')

    await call(stack.url, 'PUT', `/files/content${q('docs/a.md')}`, 'a')
    symlinkSync('notes/hello.txt', join(stack.workspace, 'docs/link.txt'))
    const flat = await call(stack.url, 'GET', `/files${q('docs')}`)
    assert.equal(flat.body['path'], 'docs')
    assert.equal(flat.body['truncated'], false)
    assert.deepEqual(
      (flat.body['entries'] as Array<{ path: string; type: string }>).map((e) => `${e.type} ${e.path}`),
      ['file docs/a.md', 'symlink docs/link.txt', 'directory docs/notes'],
    )
    const deep = await call(stack.url, 'GET', `/files${q('docs', '&recursive=1')}`)
    assert.deepEqual(
      (deep.body['entries'] as Array<{ path: string }>).map((e) => e.path),
      ['docs/a.md', 'docs/link.txt', 'docs/notes', 'docs/notes/hello.txt'],
    )
    const whole = await call(stack.url, 'GET', '/files?recursive=true')
    assert.ok((whole.body['entries'] as Array<{ path: string }>).some((e) => e.path === 'docs/notes/hello.txt'))
    // A symlink inside the workspace pointing inside is followed for reads.
    assert.equal(await (await fetch(`${stack.url}/files/content${q('docs/link.txt')}`)).text(), 'replaced')
  })

  it('keeps an overwritten file executable and writes through an inside symlink', async () => {
    writeFileSync(join(stack.workspace, 'run.sh'), '#!/bin/sh\necho old\n')
    chmodSync(join(stack.workspace, 'run.sh'), 0o755)
    await call(stack.url, 'PUT', `/files/content${q('run.sh')}`, '#!/bin/sh\necho new\n')
    assert.equal(statSync(join(stack.workspace, 'run.sh')).mode & 0o777, 0o755)
    await call(stack.url, 'PUT', `/files/content${q('docs/link.txt')}`, 'through the link')
    assert.equal(readFileSync(join(stack.workspace, 'docs/notes/hello.txt'), 'utf8'), 'through the link')
  })

  it('makes directories, with and without parents', async () => {
    const made = await call(stack.url, 'POST', `/files/mkdir${q('made')}`)
    assert.equal(made.status, 201)
    assert.equal(made.body['created'], true)
    assert.equal(made.body['entry'].type, 'directory')
    assert.equal((await call(stack.url, 'POST', `/files/mkdir${q('made')}`)).body['code'], 'FILE_EXISTS')
    const existing = await call(stack.url, 'POST', `/files/mkdir${q('made', '&parents=1')}`)
    assert.equal(existing.status, 200)
    assert.equal(existing.body['created'], false)
    const missingParent = await call(stack.url, 'POST', `/files/mkdir${q('x/y/z')}`)
    assert.equal(missingParent.status, 404)
    assert.equal(missingParent.body['code'], 'FILE_NOT_FOUND')
    assert.equal((await call(stack.url, 'POST', `/files/mkdir${q('x/y/z', '&parents=1')}`)).body['created'], true)
    assert.ok(statSync(join(stack.workspace, 'x/y/z')).isDirectory())
    assert.equal((await call(stack.url, 'POST', `/files/mkdir${q('run.sh', '&parents=1')}`)).body['code'], 'FILE_EXISTS')
  })

  it('deletes files, empty and non-empty directories, and never the root', async () => {
    await call(stack.url, 'PUT', `/files/content${q('trash/a/b.txt')}`, 'b')
    const notEmpty = await call(stack.url, 'DELETE', `/files${q('trash')}`)
    assert.equal(notEmpty.status, 409)
    assert.equal(notEmpty.body['code'], 'DIRECTORY_NOT_EMPTY')
    assert.deepEqual((await call(stack.url, 'DELETE', `/files${q('trash/a/b.txt')}`)).body, { deleted: 'trash/a/b.txt' })
    assert.equal((await call(stack.url, 'DELETE', `/files${q('trash/a')}`)).status, 200)
    await call(stack.url, 'PUT', `/files/content${q('trash/c/d/e.txt')}`, 'e')
    assert.deepEqual((await call(stack.url, 'DELETE', `/files${q('trash/', '&recursive=1')}`)).body, { deleted: 'trash' })
    assert.equal(existsSync(join(stack.workspace, 'trash')), false)
    // Deleting a symlink removes the link, not its target.
    assert.equal((await call(stack.url, 'DELETE', `/files${q('docs/link.txt')}`)).status, 200)
    assert.ok(existsSync(join(stack.workspace, 'docs/notes/hello.txt')))

    for (const root of ['.', './', 'docs/..']) {
      const res = await call(stack.url, 'DELETE', `/files${q(root, '&recursive=1')}`)
      assert.equal(res.body['code'], 'INVALID_REQUEST', root)
    }
    assert.ok(existsSync(join(stack.workspace, 'docs')))
  })

  it('answers bad requests with codes', async () => {
    const cases: Array<[string, string, string, number, string]> = [
      ['GET', '/files/content', q('nope.txt'), 404, 'FILE_NOT_FOUND'],
      ['GET', '/files/stat', q('nope/deeper'), 404, 'FILE_NOT_FOUND'],
      ['GET', '/files', q('nope'), 404, 'FILE_NOT_FOUND'],
      ['DELETE', '/files', q('nope'), 404, 'FILE_NOT_FOUND'],
      ['GET', '/files', q('run.sh'), 400, 'NOT_A_DIRECTORY'],
      ['GET', '/files/content', q('docs'), 400, 'IS_A_DIRECTORY'],
      ['PUT', '/files/content', q('docs'), 400, 'IS_A_DIRECTORY'],
      ['PUT', '/files/content', q('run.sh/inside.txt'), 400, 'NOT_A_DIRECTORY'],
      ['GET', '/files/content', '', 400, 'INVALID_REQUEST'],
      ['PUT', '/files/content', '', 400, 'INVALID_REQUEST'],
      // A path that says "directory" is not written as a file of that name.
      ['PUT', '/files/content', q('new-dir/'), 400, 'INVALID_REQUEST'],
      ['PUT', '/files/content', q('run.sh/.'), 400, 'INVALID_REQUEST'],
      ['GET', '/files', q('.', '&recursive=maybe'), 400, 'INVALID_REQUEST'],
      ['GET', '/files/stat', '?path=a%00b', 400, 'INVALID_REQUEST'],
      ['PATCH', '/files', '', 405, 'METHOD_NOT_ALLOWED'],
    ]
    for (const [method, path, query, status, code] of cases) {
      const res = await call(stack.url, method, `${path}${query}`, method === 'PUT' ? 'x' : undefined)
      assert.equal(res.status, status, `${method} ${path}${query}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body['code'], code, `${method} ${path}${query}`)
      assert.equal(typeof res.body['error'], 'string')
    }
    assert.equal(existsSync(join(stack.workspace, 'new-dir')), false)
    assert.equal(readFileSync(join(stack.workspace, 'run.sh'), 'utf8'), '#!/bin/sh\necho new\n', 'run.sh was not overwritten')
  })

  it('refuses to read a FIFO without waiting for a writer, and lists it as other', async () => {
    const made = spawnSync('mkfifo', [join(stack.workspace, 'pipe')])
    if (made.status !== 0) return // no mkfifo here
    const res = await call(stack.url, 'GET', `/files/content${q('pipe')}`)
    assert.equal(res.body['code'], 'INVALID_REQUEST')
    assert.equal((await call(stack.url, 'GET', `/files/stat${q('pipe')}`)).body['entry'].type, 'other')
  })

  it('round-trips 50 MB of random bytes, streamed both ways', async () => {
    const total = 50 * 1024 * 1024
    const sent = createHash('sha256')
    let left = total
    // A streamed upload with no content-length: the server sees it in chunks, as from a pipe.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (left === 0) return controller.close()
        const chunk = randomBytes(Math.min(left, 1024 * 1024 + 7))
        left -= chunk.length
        sent.update(chunk)
        controller.enqueue(chunk)
      },
    })
    const put = await fetch(`${stack.url}/files/content${q('blobs/random.bin')}`, { method: 'PUT', body, duplex: 'half' } as RequestInit)
    assert.equal(put.status, 201, await put.clone().text())
    assert.equal(((await put.json()) as { entry: { size: number } }).entry.size, total)

    const res = await fetch(`${stack.url}/files/content${q('blobs/random.bin')}`)
    assert.equal(res.headers.get('content-length'), String(total))
    const got = createHash('sha256')
    let size = 0
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      got.update(chunk)
      size += chunk.length
    }
    assert.equal(size, total)
    assert.equal(got.digest('hex'), sent.digest('hex'))
    assert.deepEqual(readdirSync(join(stack.workspace, 'blobs')), ['random.bin'], 'no temp file left')
  })

  it('an upload in flight is not listed, and one cut off removes its temp file', async () => {
    let release!: () => void
    const stalled = new Promise<void>((resolve) => (release = resolve))
    const abort = new AbortController()
    let sentFirst = false
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sentFirst) return stalled
        sentFirst = true
        controller.enqueue(new Uint8Array(64 * 1024))
      },
    })
    const put = fetch(`${stack.url}/files/content${q('inflight/part.bin')}`, {
      method: 'PUT',
      body,
      duplex: 'half',
      signal: abort.signal,
    } as RequestInit)
    const dir = join(stack.workspace, 'inflight')
    const deadline = Date.now() + 10_000
    while (!(existsSync(dir) && readdirSync(dir).some((name) => name.startsWith('.cas-upload-')))) {
      assert.ok(Date.now() < deadline, 'the upload never reached the disk')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const listed = await call(stack.url, 'GET', `/files${q('inflight')}`)
    assert.equal(listed.status, 200)
    assert.deepEqual(listed.body['entries'], [], 'the temp file of an upload in flight is not an entry')
    const recursive = await call(stack.url, 'GET', '/files?recursive=1')
    assert.ok(!(recursive.body['entries'] as { path: string }[]).some((e) => e.path.includes('.cas-upload-')))
    abort.abort()
    await assert.rejects(put)
    release()
    while (readdirSync(dir).length > 0) {
      assert.ok(Date.now() < deadline, `a temp file stayed behind: ${readdirSync(dir).join(', ')}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal((await call(stack.url, 'GET', `/files/stat${q('inflight/part.bin')}`)).body['code'], 'FILE_NOT_FOUND')
  })

  it('refuses a file over the size limit, declared or streamed, and leaves nothing behind', async () => {
    const declared = await call(small.url, 'PUT', `/files/content${q('big.bin')}`, new Uint8Array(1001))
    assert.equal(declared.status, 413)
    assert.equal(declared.body['code'], 'BODY_TOO_LARGE')
    assert.equal(declared.body['data'].limit, 1000)

    let chunks = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (chunks++ === 10) return controller.close()
        controller.enqueue(new Uint8Array(500))
      },
    })
    const streamed = await fetch(`${small.url}/files/content${q('dir/big.bin')}`, { method: 'PUT', body, duplex: 'half' } as RequestInit)
    assert.equal(streamed.status, 413)
    assert.equal(((await streamed.json()) as { code: string }).code, 'BODY_TOO_LARGE')
    assert.equal(existsSync(join(small.workspace, 'big.bin')), false)
    assert.deepEqual(readdirSync(join(small.workspace, 'dir')), [], 'no temp file left')
    assert.equal((await call(small.url, 'PUT', `/files/content${q('ok.bin')}`, new Uint8Array(1000))).status, 201)
  })
})
