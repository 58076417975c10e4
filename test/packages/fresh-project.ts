// A fresh project outside the monorepo that installs the packed tarballs, as a user would, but
// offline: its lockfile is written from the monorepo's (same versions, same integrity hashes), so
// `npm ci --offline` takes every registry package from the npm cache that the monorepo's own
// install filled, and our packages from the tarballs.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { NPM, REPO_ROOT, type Packed } from './pack.js'

interface LockEntry {
  version?: string
  resolved?: string
  integrity?: string
  link?: boolean
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  [field: string]: unknown
}

export interface FreshProjectOptions {
  /** Our packages to install from their tarballs. */
  tarballs: Packed[]
  /** Registry packages to add, at the version the monorepo locks (e.g. `e2b`). */
  registry?: string[]
}

/** Makes the project, installs it, and returns its directory. */
export function freshProject(options: FreshProjectOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'cas-fresh-project-'))
  const monorepo = (JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> })
    .packages
  const ours = new Map(options.tarballs.map((pkg) => [pkg.name, pkg]))
  const dependencies: Record<string, string> = {}
  const packages: Record<string, LockEntry> = {}

  // Where a package installed at `from` finds `name`, in the monorepo's layout (Node's lookup).
  const locate = (name: string, from: string): string | undefined => {
    for (let at = from; ; at = parentOf(at)) {
      const path = `${at ? `${at}/` : ''}node_modules/${name}`
      if (monorepo[path]) return path
      if (!at) return undefined
    }
  }
  const add = (path: string, entry: LockEntry, lookupFrom: string) => {
    if (packages[path]) return
    // dev-only in the monorepo, a real dependency here
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry
    packages[path] = kept
    const wanted = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((peerName) => !entry.peerDependenciesMeta?.[peerName]?.optional),
    ]
    for (const name of wanted) {
      if (ours.has(name)) continue // installed from its tarball, as a direct dependency
      const found = locate(name, lookupFrom)
      if (found) add(found, monorepo[found]!, found)
      else if (!(name in (entry.optionalDependencies ?? {}))) throw new Error(`${path} needs ${name}, which the monorepo's lockfile lacks`)
    }
  }

  for (const pkg of options.tarballs) {
    const file = `file:${relative(dir, pkg.tarball)}`
    dependencies[pkg.name] = file
    const workspace = monorepo[`node_modules/${pkg.name}`]?.resolved ?? ''
    const { version, license, engines, dependencies: deps, peerDependencies, peerDependenciesMeta, bin } = pkg.manifest
    add(
      `node_modules/${pkg.name}`,
      {
        version,
        resolved: file,
        integrity: `sha512-${createHash('sha512').update(readFileSync(pkg.tarball)).digest('base64')}`,
        ...defined({ license, engines, dependencies: deps, peerDependencies, peerDependenciesMeta, bin }),
      },
      workspace, // its dependencies resolve as they did from packages/<name> in the monorepo
    )
  }
  for (const name of options.registry ?? []) {
    const entry = monorepo[`node_modules/${name}`]
    if (!entry?.version) throw new Error(`the monorepo does not lock ${name}`)
    dependencies[name] = entry.version
    add(`node_modules/${name}`, entry, `node_modules/${name}`)
  }

  const manifest = { name: 'fresh-project', version: '1.0.0', private: true, type: 'module', dependencies }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2))
  const lock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: manifest.name, version: manifest.version, dependencies }, ...packages },
  }
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2))
  execFileSync(NPM, ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return dir
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/node_modules/')
  return cut < 0 ? '' : path.slice(0, cut)
}

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
}
