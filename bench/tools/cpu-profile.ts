// Reads a V8 .cpuprofile: self time per function and per place (a package, a file of ours),
// and the inclusive time of our own functions (packages/), idle and "(program)" left out, so
// what a turn pays for, and through which of our calls, stands out.

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Where a function lives, shortened: a package name, or a path inside the repo. */
function place(url: string): string {
  if (url === '') return '(native)'
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const packages = url.indexOf('packages/')
  if (packages >= 0) return url.slice(packages)
  return url.replace(/^file:\/\//, '')
}

const nameOf = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame
  return `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`
}
const add = (m: Map<string, number>, key: string, us: number) => m.set(key, (m.get(key) ?? 0) + us)

export function topSelfTime(profile: CpuProfile, limit: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const perFunction = new Map<string, number>()
  const perPlace = new Map<string, number>()
  const ours = new Map<string, number>()
  let busy = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!
    const us = profile.timeDeltas[i] ?? 0
    const { functionName, url } = node.callFrame
    if (functionName === '(idle)' || functionName === '(program)') continue
    busy += us
    add(perFunction, nameOf(node), us)
    add(perPlace, place(url), us)
    const seen = new Set<string>()
    for (let at: number | undefined = node.id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!
      if (!frame.callFrame.url.includes('/packages/')) continue
      const key = nameOf(frame)
      if (!seen.has(key)) add(ours, key, us)
      seen.add(key)
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([k, us]) => `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n')
  return [
    `busy (not idle, not "program"): ${(busy / 1000).toFixed(0)} ms`,
    `by place (self):\n${rows(perPlace)}`,
    `by function (self):\n${rows(perFunction)}`,
    `our functions (inclusive):\n${rows(ours)}`,
  ].join('\n\n')
}
