// `npm pack` of every workspace into a temporary directory: what `npm publish` would upload,
// for the packaging checks and the fresh-project test. Needs the build (`npm run build`).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

export interface Packed {
  name: string
  /** Absolute path of the .tgz. */
  tarball: string
  /** The tarball unpacked: `<dir>/package.json`, ... */
  dir: string
  /** Paths inside the package, as npm lists them. */
  files: string[]
  manifest: Record<string, unknown> & { name: string; version: string }
}

/** Packs every workspace into a fresh directory and unpacks each tarball next to it. */
export function packWorkspaces(): { root: string; packages: Map<string, Packed> } {
  const root = mkdtempSync(join(tmpdir(), 'cas-pack-'))
  const out = execFileSync(NPM, ['pack', '--workspaces', '--json', '--pack-destination', root], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const listed = JSON.parse(out) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>
  const packages = new Map<string, Packed>()
  for (const entry of listed) {
    const tarball = join(root, entry.filename)
    const dir = join(root, entry.filename.replace(/\.tgz$/, ''))
    mkdirSync(dir)
    execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'])
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Packed['manifest']
    packages.set(entry.name, { name: entry.name, tarball, dir, files: entry.files.map((f) => f.path), manifest })
  }
  return { root, packages }
}
