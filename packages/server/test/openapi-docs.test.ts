// Every operation of the OpenAPI document (the routes the server serves, see http-api.test.ts)
// is described somewhere in the docs: its method and path on one line (`GET /sessions/:id`,
// or a `GET`, `PUT /...` list). A session's own files routes are the default session's
// (`/files...`) under `/sessions/:id`, as docs/files.md says once for all of them.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { openApiDocument } from '@claude-agent/protocol'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const lines = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)]
  .filter((path) => path.endsWith('.md') && path !== 'docs/benchmarks.md')
  .flatMap((path) => readFileSync(join(ROOT, path), 'utf8').split('\n'))

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A line that names the method and the path (any parameter name), the path not running on. */
function described(method: string, path: string): boolean {
  const colon = escape(path.replace(/\{\w+\}/g, ':id')).replace(/:id/g, ':\\w+')
  const re = new RegExp(`\\b${method}\\b.*${colon}(?![\\w/{])`)
  return lines.some((line) => re.test(line))
}

describe('the OpenAPI document and the docs', () => {
  it('describe the same operations', () => {
    const operations = Object.entries(openApiDocument().paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })),
    )
    assert.ok(operations.length > 30, `the document has its operations (${operations.length})`)
    const missing = operations
      .filter(({ method, path }) => !described(method, path.replace(/^\/sessions\/\{id\}(?=\/files)/, '')))
      .map(({ method, path }) => `${method} ${path}`)
    assert.deepEqual(missing, [], 'operations no doc describes')
  })
})
