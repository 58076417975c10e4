// Every link in the docs (README.md, docs/*.md, each package's README) resolves: a relative
// link names a file that exists, an #anchor a heading of that file (as GitHub makes anchors),
// and so does a link to this repository on GitHub (the packages' READMEs use those: npm shows
// them away from the repository).
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const REPOSITORY = 'https://github.com/claude-agent-server/claude-agent-server'

const docs = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  ...readdirSync(join(ROOT, 'packages'))
    .map((name) => `packages/${name}/README.md`)
    .filter((path) => existsSync(join(ROOT, path))),
]

/** Markdown without its fenced code blocks, where a `](` is code, not a link. */
const prose = (path: string) => readFileSync(path, 'utf8').replace(/^```[\s\S]*?^```/gm, '')

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to
 * hyphens, a repeated one numbered. */
function anchors(path: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const [, heading] of prose(path).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    out.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return out
}

/** The local file a link points at, or undefined for a link elsewhere. */
function target(from: string, link: string): { file: string; anchor?: string } | undefined {
  let rest: string
  if (link.startsWith(`${REPOSITORY}#`)) rest = `/README.md${link.slice(REPOSITORY.length)}`
  else if (link.startsWith(`${REPOSITORY}/blob/main/`)) rest = `/${link.slice(`${REPOSITORY}/blob/main/`.length)}`
  else if (/^[a-z][a-z0-9+.-]*:/i.test(link)) return undefined
  else rest = link
  const [path = '', anchor] = rest.split('#')
  const file = path === '' ? join(ROOT, from) : path.startsWith('/') ? join(ROOT, path) : resolve(dirname(join(ROOT, from)), path)
  return anchor === undefined ? { file } : { file, anchor }
}

describe('links in the docs', () => {
  it('resolve to files and headings that exist', () => {
    const broken: string[] = []
    for (const doc of docs) {
      for (const [, link] of prose(join(ROOT, doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const to = target(doc, link!)
        if (!to) continue
        if (!existsSync(to.file)) broken.push(`${doc}: ${link} (no ${relative(ROOT, to.file)})`)
        else if (to.anchor && statSync(to.file).isFile() && to.file.endsWith('.md') && !anchors(to.file).has(to.anchor))
          broken.push(`${doc}: ${link} (no heading #${to.anchor})`)
      }
    }
    assert.ok(docs.length > 20, `the docs were found (${docs.length})`)
    assert.deepEqual(broken, [], 'broken links')
  })
})
