// A session deleted while a command runs in it, or while an exec request's body is still on
// its way: the command is killed (its stream ends with SIGKILL) before the session's files go,
// and a request that arrives after the delete is SESSION_NOT_FOUND and makes nothing again.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseRawResponse } from '../helpers/raw-http.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { call, eventually, ndjson, sleeping, type Frame } from './helpers.js'

describe('exec and a session delete', () => {
  let stack: Stack
  const dirsOf = (id: string) => [join(stack.settings.dataDir, 'sessions', id), join(stack.settings.dataDir, 'workspaces', 'sessions', id)]
  before(async () => {
    stack = await startStack({ settings: { prewarm: false } })
  })
  after(() => stack.close())

  it('kills a running command when its session is deleted, then removes its files', async () => {
    assert.equal((await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'doomed' }))).status, 201)
    const seconds = `61.${process.pid}1`
    const res = await fetch(`${stack.url}/sessions/doomed/exec`, {
      method: 'POST',
      body: JSON.stringify({ command: `echo started; exec sleep ${seconds}`, shell: true }),
    })
    const frames: Frame[] = []
    const lines = ndjson(res)
    frames.push((await lines.next()).value as Frame)
    assert.equal(String(frames[0]!['data']).trim(), 'started')
    await eventually(() => sleeping(seconds).length === 1, 'the command runs')

    assert.deepEqual((await call(stack.url, 'DELETE', '/sessions/doomed')).body, { deleted: 'doomed' })
    await eventually(() => sleeping(seconds).length === 0, "the deleted session's command was killed", 5_000)
    for await (const frame of lines) frames.push(frame)
    assert.deepEqual(frames.at(-1), { type: 'exit', code: null, signal: 'SIGKILL', timedOut: false })
    for (const dir of dirsOf('doomed')) assert.equal(existsSync(dir), false, `${dir} is left`)
  })

  it('answers an exec whose body arrives after the delete with SESSION_NOT_FOUND, and makes nothing again', async () => {
    assert.equal((await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'late' }))).status, 201)
    const body = JSON.stringify({ command: 'touch', args: ['made-after-delete'] })
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.write(
      `POST /sessions/late/exec HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    )
    // The route has the session and waits for the body while the delete goes through.
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal((await call(stack.url, 'DELETE', '/sessions/late')).status, 200)
    socket.end(body)
    await closed
    const answer = parseRawResponse(Buffer.concat(chunks))
    assert.deepEqual([answer.status, answer.json?.['code']], [404, 'SESSION_NOT_FOUND'], answer.text)
    for (const dir of dirsOf('late')) assert.equal(existsSync(dir), false, `${dir} was made again`)
    assert.equal(
      stack.logLines.some((l) => l.startsWith('error')),
      false,
      'nothing was logged as an error',
    )
  })

  it('answers a budget whose body arrives after the delete with SESSION_NOT_FOUND, and keeps none', async () => {
    assert.equal((await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'late-budget' }))).status, 201)
    const body = JSON.stringify({ limitUsd: 5 })
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.write(
      `PUT /sessions/late-budget/budget HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal((await call(stack.url, 'DELETE', '/sessions/late-budget')).status, 200)
    socket.end(body)
    await closed
    const answer = parseRawResponse(Buffer.concat(chunks))
    assert.deepEqual([answer.status, answer.json?.['code']], [404, 'SESSION_NOT_FOUND'], answer.text)
    const audit = await call(stack.url, 'GET', '/audit?session=late-budget')
    assert.ok(!JSON.stringify(audit.body).includes('budget_set'), 'no budget change recorded')
  })
})
