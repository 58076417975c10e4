// The cgroup backends' file writes, against a temp directory laid out like cgroup2 (our code's
// boundary with the kernel: paths and formats), and the detection of what a host offers. The
// real v1 hierarchy is driven end to end in session-limits.test.ts.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CgroupV1, sharesForWeight } from '../../src/sandbox/cgroup-v1.js'
import { CgroupV2 } from '../../src/sandbox/cgroup-v2.js'
import { detectCgroups } from '../../src/sandbox/cgroups.js'

const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** A directory shaped like a cgroup2 mount: the root lists its controllers. */
function fakeV2(controllers = 'cpuset cpu io memory hugetlb pids rdma misc'): string {
  const root = mkdtempSync(join(tmpdir(), 'cas-cgroup2-'))
  dirs.push(root)
  writeFileSync(join(root, 'cgroup.controllers'), `${controllers}\n`)
  writeFileSync(join(root, 'cgroup.subtree_control'), '')
  return root
}

const read = (...path: string[]) => readFileSync(join(...path), 'utf8')
const LIMITS = { memoryBytes: 512 * 1024 ** 2, pids: 64, cpuWeight: 50, workspaceBytes: 1024 }

describe('cgroup v2 backend', () => {
  it('is detected where the unified root has the memory and pids controllers', () => {
    const found = detectCgroups(fakeV2())
    assert.ok(found instanceof CgroupV2)
    assert.deepEqual(found.controllers, ['memory', 'pids', 'cpu'])
  })

  it('is refused, naming what is missing, without the pids controller', () => {
    const root = fakeV2('cpu memory io')
    const found = detectCgroups(root)
    assert.deepEqual(found, { unusable: `cgroup v2 at ${root} lacks the pids controller` })
    assert.match((found as { unusable: string }).unusable, /lacks the pids controller/)
  })

  it('hands the controllers down every level to the group', () => {
    const root = fakeV2()
    const v2 = detectCgroups(root) as CgroupV2
    v2.prepareParent(['claude-agent', 'srv'])
    for (const level of [[], ['claude-agent'], ['claude-agent', 'srv']]) {
      assert.equal(read(root, ...level, 'cgroup.subtree_control'), '+memory +pids +cpu')
    }
  })

  it('writes the limits in cgroup2 units and names the one join file', () => {
    const root = fakeV2()
    const v2 = detectCgroups(root) as CgroupV2
    const group = ['claude-agent', 'srv', 'session-1']
    mkdirSync(join(root, ...group), { recursive: true })
    writeFileSync(join(root, ...group, 'memory.swap.max'), 'max')
    assert.deepEqual(v2.create(group, LIMITS), [join(root, ...group, 'cgroup.procs')])
    assert.equal(read(root, ...group, 'memory.max'), String(512 * 1024 ** 2))
    assert.equal(read(root, ...group, 'memory.swap.max'), '0')
    assert.equal(read(root, ...group, 'pids.max'), '64')
    assert.equal(read(root, ...group, 'cpu.weight'), '50')
  })

  it('creates a leaf without limits of its own, and skips cpu where the host has none', () => {
    const root = fakeV2('memory pids')
    const v2 = detectCgroups(root) as CgroupV2
    v2.create(['g'], LIMITS)
    assert.throws(() => read(root, 'g', 'cpu.weight'), /ENOENT/)
    v2.create(['g', 'agent'])
    assert.throws(() => read(root, 'g', 'agent', 'memory.max'), /ENOENT/)
  })

  it('counts OOM kills and refused forks from memory.events and pids.events', () => {
    const root = fakeV2()
    const v2 = detectCgroups(root) as CgroupV2
    v2.create(['g'], LIMITS)
    assert.deepEqual(v2.hits(['g']), { memory: 0, pids: 0 })
    writeFileSync(join(root, 'g', 'memory.events'), 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n')
    writeFileSync(join(root, 'g', 'pids.events'), 'max 17\n')
    assert.deepEqual(v2.hits(['g']), { memory: 2, pids: 17 })
  })
})

describe('cgroup v1 backend', () => {
  it('is detected from per-controller hierarchies, and refused without a pids one', () => {
    const root = mkdtempSync(join(tmpdir(), 'cas-cgroup1-'))
    dirs.push(root)
    for (const c of ['memory', 'cpu']) {
      mkdirSync(join(root, c))
      writeFileSync(join(root, c, 'cgroup.procs'), '')
    }
    assert.match((detectCgroups(root) as { unusable: string }).unusable, /no v1 pids hierarchy/)
    mkdirSync(join(root, 'pids'))
    writeFileSync(join(root, 'pids', 'cgroup.procs'), '')
    const found = detectCgroups(root)
    assert.ok(found instanceof CgroupV1)
    assert.deepEqual(found.controllers, ['memory', 'pids'])
  })

  it('maps a CPU weight to shares: 100 is the default 1024, never below the kernel minimum', () => {
    assert.equal(sharesForWeight(100), 1024)
    assert.equal(sharesForWeight(10_000), 102_400)
    assert.equal(sharesForWeight(1), 10)
  })
})
