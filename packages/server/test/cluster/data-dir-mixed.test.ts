// Cluster nodes share their DATA_DIR on purpose; a server of its own (no DATABASE_URL) started
// on it by mistake would take the nodes' running CLIs for orphans a killed server left and kill
// them. It is refused, touching nothing, while a node runs a turn; a second node still joins
// beside the first; and a node is refused beside a server of its own, the other way round.
// A node on a DATA_DIR of its own (same database) is refused too.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from '../helpers/http.js'
import { agentProcesses } from '../helpers/processes.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runToExit } from '../helpers/server-process.js'
import { ServerProcesses, slowReply } from '../helpers/server-processes.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

describe('a DATA_DIR shared by cluster nodes', () => {
  let postgres: PostgresServer
  let servers: ServerProcesses
  let databaseUrl: string

  before(async () => {
    postgres = await startPostgres()
    databaseUrl = await postgres.database()
    servers = await ServerProcesses.start('mixed', {
      scripts: [{ match: { prompt: 'long task' }, replies: [slowReply('slow '.repeat(100), 40)] }],
    })
  })
  after(async () => {
    await servers?.stop()
    await postgres?.stop()
  })

  it('refuses a server of its own beside a node running a turn, and a node beside a server of its own', async () => {
    const { dataDir, dir, env } = servers
    const node = await servers.spawn({ DATABASE_URL: databaseUrl, CLUSTER_NODE_ID: 'a' })
    await api(node.url, 'POST', '/sessions', { id: 'busy' })
    const probe = await WsProbe.connect(`${node.wsBase}/sessions/busy/ws`)
    probe.prompt('long task')
    await probe.next((f) => f.type === 'sdk_message' && ['assistant', 'stream_event'].includes(sdkData(f).type as string))
    const agents = agentProcesses(join(dataDir, 'sessions'))
    assert.ok(agents.length > 0, 'the node runs an agent')

    const alone = await runToExit(env, dir)
    assert.equal(typeof alone.code, 'number', 'it did not start')
    assert.notEqual(alone.code, 0, alone.output)
    assert.match(alone.output, new RegExp(`DATA_DIR ${dataDir} in use`))
    assert.doesNotMatch(alone.output, /killed .* agent process/)
    assert.deepEqual(agentProcesses(join(dataDir, 'sessions')), agents, "the node's agents are untouched")

    const second = await servers.spawn({ DATABASE_URL: databaseUrl, CLUSTER_NODE_ID: 'b' })
    assert.equal((await api(second.url, 'GET', '/health')).status, 200, 'a second node joins beside the first')
    assert.equal(sdkData(await probe.result())['is_error'], false, 'the turn finished')
    probe.close()

    for (const server of [node, second]) {
      server.child.kill('SIGTERM')
      assert.equal(await server.exited, 0, server.output())
    }
    const own = await servers.spawn()
    const refused = await runToExit({ ...env, DATABASE_URL: databaseUrl, CLUSTER_NODE_ID: 'c' }, dir)
    assert.equal(typeof refused.code, 'number', 'it did not start')
    assert.notEqual(refused.code, 0, refused.output)
    assert.match(refused.output, new RegExp(`DATA_DIR ${dataDir} in use by pid ${own.child.pid}`))
    assert.equal((await api(own.url, 'GET', '/health')).status, 200)
  })

  it('refuses a node on a DATA_DIR of its own: it would serve the sessions it takes over without their files', async () => {
    const url = await postgres.database()
    const shared = join(servers.dir, 'shared')
    const first = await servers.spawn({ DATA_DIR: shared, DATABASE_URL: url, CLUSTER_NODE_ID: 'own-a' })
    const id = readFileSync(join(shared, 'cluster.id'), 'utf8').trim()
    const elsewhere = join(servers.dir, 'elsewhere')
    const node = { ...servers.env, DATA_DIR: elsewhere, DATABASE_URL: url, CLUSTER_NODE_ID: 'own-b' }
    const refused = await runToExit(node, servers.dir)
    assert.equal(refused.code, 1, refused.output)
    assert.ok(refused.output.includes(`DATA_DIR ${elsewhere} is not the DATA_DIR the other nodes of this cluster share`), refused.output)
    assert.ok(refused.output.includes(id), "it names the cluster's id")
    // A new DATA_DIR on purpose: given the cluster's id, it joins.
    writeFileSync(join(elsewhere, 'cluster.id'), `${id}\n`)
    const second = await servers.spawn(node)
    for (const server of [first, second]) {
      server.child.kill('SIGTERM')
      assert.equal(await server.exited, 0, server.output())
    }
  })

  it('starts the first node on a DATA_DIR whose cluster.id a crash left empty, and writes the id whole', async () => {
    const url = await postgres.database()
    const crashed = join(servers.dir, 'crashed')
    mkdirSync(crashed, { recursive: true })
    writeFileSync(join(crashed, 'cluster.id'), '') // made, never written: killed between the two
    const node = await servers.spawn({ DATA_DIR: crashed, DATABASE_URL: url, CLUSTER_NODE_ID: 'crashed-a' })
    assert.match(readFileSync(join(crashed, 'cluster.id'), 'utf8'), /^[0-9a-f-]{36}\n$/)
    node.child.kill('SIGTERM')
    assert.equal(await node.exited, 0, node.output())
  })
})
