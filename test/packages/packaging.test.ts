// What `npm publish` would ship, checked on the packed tarballs: publint and
// @arethetypeswrong/cli pass (ESM only, stated), each package has its licence, README and
// metadata, internal dependencies use ^ ranges, every source map and declaration map points at
// sources that are in the tarball, and the server has the one bin `npx @claude-agent/server` runs.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { REPO_ROOT, packWorkspaces, type Packed } from './pack.js'

const LIBRARIES = [
  '@claude-agent/protocol',
  '@claude-agent/scripted-model',
  '@claude-agent/server',
  '@claude-agent/client',
  '@claude-agent/web',
]
/** Every package; the CLI is a bin only (no types to check with attw). */
const NAMES = [...LIBRARIES, '@claude-agent/cli']
const { root, packages } = packWorkspaces()
after(() => rmSync(root, { recursive: true, force: true }))

function each(check: (pkg: Packed) => void): void {
  for (const name of NAMES) {
    const pkg = packages.get(name)
    assert.ok(pkg, `${name} was packed`)
    check(pkg)
  }
}

describe('packed packages', () => {
  it('pass publint (strict, every level)', async () => {
    for (const name of NAMES) {
      const pkg = packages.get(name)!
      // pack: false lints the unpacked tarball as it is, i.e. exactly the published files.
      const { messages, pkg: manifest } = await publint({ pkgDir: pkg.dir, pack: false, strict: true, level: 'suggestion' })
      assert.deepEqual(
        messages.map((m) => `${m.type}: ${formatMessage(m, manifest, { color: false })}`),
        [],
        name,
      )
    }
  })

  it('pass @arethetypeswrong/cli for ESM consumers (the packages are ESM only)', () => {
    const attw = join(REPO_ROOT, 'node_modules', '.bin', 'attw')
    each((pkg) => {
      if (!LIBRARIES.includes(pkg.name)) return
      const run = spawnSync(attw, ['--profile', 'esm-only', '--format', 'ascii', '--no-color', pkg.tarball], { encoding: 'utf8' })
      assert.equal(run.status, 0, `${pkg.name}:\n${run.stdout}${run.stderr}`)
      assert.match(pkg.manifest['type'] as string, /^module$/, `${pkg.name} says it is ESM`)
    })
  })

  it('carry the licence, a README and their metadata', () => {
    const licence = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8')
    assert.match(licence, /^MIT License/)
    each(({ name, dir, manifest, files }) => {
      assert.equal(readFileSync(join(dir, 'LICENSE'), 'utf8'), licence, `${name} LICENSE`)
      assert.ok(files.includes('README.md'), `${name} README.md`)
      assert.ok(readFileSync(join(dir, 'README.md'), 'utf8').startsWith(`# ${name}`), `${name} README names the package`)
      assert.equal(manifest['license'], 'MIT', `${name} license`)
      const repository = manifest['repository'] as { type?: string; url?: string; directory?: string }
      assert.equal(repository.type, 'git', `${name} repository`)
      assert.equal(repository.directory, `packages/${name.split('/')[1]}`, `${name} repository.directory`)
      assert.match((manifest['engines'] as { node?: string }).node ?? '', />=20/, `${name} engines.node`)
      assert.ok(!files.some((f) => f.endsWith('.tsbuildinfo') || f.startsWith('test/')), `${name} ships no build state or tests`)
    })
  })

  it('depend on each other with ^ ranges of the versions being published', () => {
    each(({ name, manifest }) => {
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
          if (!NAMES.includes(dep)) continue
          assert.equal(range, `^${packages.get(dep)!.manifest.version}`, `${name} ${field}.${dep}`)
        }
      }
    })
  })

  it('ship the sources their source maps and declaration maps point at', () => {
    each(({ name, dir, files }) => {
      const maps = files.filter((f) => f.endsWith('.js.map') || f.endsWith('.d.ts.map'))
      // The console is built without source maps: its files are what the browser runs.
      if (name === '@claude-agent/web') return assert.deepEqual(maps, [], `${name} ships no maps`)
      assert.ok(maps.length > 0, `${name} has maps`)
      for (const map of maps) {
        const { sources } = JSON.parse(readFileSync(join(dir, map), 'utf8')) as { sources: string[] }
        for (const source of sources) {
          const target = resolve(dirname(join(dir, map)), source)
          assert.ok(target.startsWith(dir) && existsSync(target), `${name} ${map} -> ${source} is in the tarball`)
        }
      }
    })
  })

  it("resolve the client's #imports to published files under every condition", () => {
    const { dir, manifest, files } = packages.get('@claude-agent/client')!
    const imports = manifest['imports'] as Record<string, Record<string, string>>
    assert.deepEqual(Object.keys(imports).sort(), ['#providers', '#websocket'])
    for (const [specifier, targets] of Object.entries(imports)) {
      assert.ok(targets['browser'] && targets['default'], `${specifier} has browser and default targets`)
      for (const target of Object.values(targets))
        assert.ok(files.includes(target.replace(/^\.\//, '')) && existsSync(join(dir, target)), `${specifier} -> ${target}`)
    }
  })

  it('give the web console as built files and their path (consoleDir), and the server depends on it', async () => {
    const { dir, files } = packages.get('@claude-agent/web')!
    assert.ok(files.includes('dist/index.html'), 'the page')
    assert.ok(
      files.some((f) => /^dist\/assets\/.+\.js$/.test(f)),
      'its script',
    )
    assert.deepEqual(
      files.filter((f) => !f.startsWith('dist/')).sort(),
      ['LICENSE', 'README.md', 'index.d.ts', 'index.js', 'package.json'],
      'nothing but the build and its path',
    )
    const { consoleDir } = (await import(join(dir, 'index.js'))) as { consoleDir: string }
    assert.equal(consoleDir, join(dir, 'dist'))
    assert.ok(existsSync(join(consoleDir, 'index.html')))
    const server = packages.get('@claude-agent/server')!.manifest
    assert.ok((server['dependencies'] as Record<string, string>)['@claude-agent/web'], 'the server serves the published console')
  })

  it('give the CLI one bin, claude-agent, with a node shebang', () => {
    const { dir, manifest } = packages.get('@claude-agent/cli')!
    const bin = manifest['bin'] as Record<string, string>
    assert.deepEqual(Object.keys(bin), ['claude-agent'])
    assert.match(readFileSync(join(dir, bin['claude-agent']!), 'utf8'), /^#!\/usr\/bin\/env node\n/)
  })

  it('give the server one bin, so `npx @claude-agent/server` runs it, with a node shebang', () => {
    const { dir, manifest } = packages.get('@claude-agent/server')!
    const bin = manifest['bin'] as Record<string, string>
    assert.deepEqual(Object.keys(bin), ['claude-agent-server'])
    assert.match(readFileSync(join(dir, bin['claude-agent-server']!), 'utf8'), /^#!\/usr\/bin\/env node\n/)
  })
})
