// The store contract on the embedded SQLite store: a fresh file per test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { SqliteStore } from '../../src/event-log/sqlite-store.js'
import { storeContract } from './contract.js'

const dir = mkdtempSync(join(tmpdir(), 'cas-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

storeContract('SQLite', async () => {
  const path = join(dir, `store${++n}.db`)
  return { store: new SqliteStore(path), reopen: async () => new SqliteStore(path) }
})
