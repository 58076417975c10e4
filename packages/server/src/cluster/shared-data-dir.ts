// Every node of a cluster must see one DATA_DIR: a session taken over resumes its conversation
// from the transcript there, and its files are there. A node started on a DATA_DIR of its own
// (a volume not mounted, a path mistyped) would serve the sessions it takes over with an empty
// workspace and a conversation forgotten. So the first node writes a random id to
// DATA_DIR/cluster.id and into the database; every node checks that its DATA_DIR holds the
// database's id before it joins, and is refused otherwise.
import { randomUUID } from 'node:crypto'
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'

export const CLUSTER_ID_FILE = 'cluster.id'

function readId(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** The id this DATA_DIR holds, written first when neither it nor the database has one. Whole
 * or not at all: a file made and then written (`wx`) is empty meanwhile, and for good after a
 * crash there, which no start got past (its id undefined, refused by the database). */
function ownId(path: string): string {
  const id = readId(path)
  if (id !== undefined) return id
  const temp = `${path}.${randomUUID()}.tmp`
  writeFileSync(temp, `${randomUUID()}\n`)
  try {
    linkSync(temp, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    // Another node linked its id first; or an empty file is there, which this one replaces.
    if (readId(path) === undefined) renameSync(temp, path)
  } finally {
    rmSync(temp, { force: true })
  }
  return readId(path)!
}

/** Throws unless `dataDir` is the one the cluster's other nodes share. */
export async function checkSharedDataDir(pool: pg.Pool, dataDir: string): Promise<void> {
  const path = join(dataDir, CLUSTER_ID_FILE)
  const read = async () => (await pool.query<{ value: string }>(`SELECT value FROM cluster_meta WHERE key = 'data_dir'`)).rows[0]?.value
  let theirs = await read()
  const mine = theirs === undefined ? ownId(path) : readId(path)
  if (theirs === undefined) {
    await pool.query(`INSERT INTO cluster_meta (key, value) VALUES ('data_dir', $1) ON CONFLICT DO NOTHING`, [mine])
    theirs = await read()
  }
  if (mine === theirs) return
  throw new Error(
    `DATA_DIR ${dataDir} is not the DATA_DIR the other nodes of this cluster share: its ${CLUSTER_ID_FILE} ` +
      `${mine === undefined ? 'is missing' : `holds ${mine}`}, the database's is ${theirs}. Mount the shared DATA_DIR ` +
      `at this path; to start the cluster on a new DATA_DIR on purpose, write ${theirs} to ${path}`,
  )
}
