// docs/protocol.md lists every error code of the protocol and every close code the server
// sends, so a code added in the source without its line in the docs fails here.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { CLOSE_CODES, ERROR_CODES } from '@claude-agent/protocol'

const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'protocol.md'), 'utf8')
const section = (title: string) => {
  const start = doc.indexOf(`\n## ${title}\n`)
  assert.ok(start >= 0, `docs/protocol.md has a "## ${title}" section`)
  const end = doc.indexOf('\n## ', start + 1)
  return doc.slice(start, end < 0 ? undefined : end)
}

describe('docs/protocol.md', () => {
  it('lists every error code in its Errors table', () => {
    const rows = section('Errors')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
    const listed = new Set(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!)))
    assert.deepEqual(
      ERROR_CODES.filter((code) => !listed.has(code)),
      [],
      'codes missing from the table',
    )
  })

  it('lists every close code the server sends', () => {
    // The protocol's list: the server sends each by its name there (1002, 1007 and 1009 come from ws).
    const sent = Object.values(CLOSE_CODES)
    const rows = section('Close codes')
      .split('\n')
      .filter((line) => /^\| \d{4} \|/.test(line))
    const listed = new Set(rows.map((row) => Number(row.split('|')[1])))
    assert.deepEqual(
      sent.filter((code) => !listed.has(code)),
      [],
      'close codes missing from the table',
    )
  })
})
