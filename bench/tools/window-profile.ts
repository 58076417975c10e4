// What the server's main thread ran within given windows of time: the samples of a V8 CPU
// profile (its clock is the server's monotonic clock, like the trace's) that fall inside the
// windows, by function and by the innermost of our own functions on the stack.

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
}

const short = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url
    .replace(/.*node_modules\//, '')
    .replace(/.*packages\//, '')
    .replace(/^node:internal\//, '')
  return `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`
}

/** Samples (ms each) in the windows [from, to] (ms, monotonic), the top `limit` leaves and our callers. */
export function windowProfile(profile: CpuProfile, windows: Array<[number, number]>, limit = 8): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const leaves = new Map<string, number>()
  const ours = new Map<string, number>()
  const add = (m: Map<string, number>, k: string, ms: number) => m.set(k, (m.get(k) ?? 0) + ms)
  const sorted = [...windows].sort((a, b) => a[0] - b[0])
  let t = profile.startTime / 1000
  let w = 0
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000
    t += delta
    while (w < sorted.length && sorted[w]![1] < t) w++
    if (w >= sorted.length) break
    if (t < sorted[w]![0]) continue
    const node = byId.get(profile.samples[i]!)!
    if (node.callFrame.functionName === '(idle)') continue
    total += delta
    add(leaves, short(node), delta)
    let at: number | undefined = node.id
    while (at !== undefined && !/server\/dist|protocol\/dist/.test(byId.get(at)!.callFrame.url)) at = parent.get(at)
    add(ours, at === undefined ? '(none of ours)' : short(byId.get(at)!), delta)
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([k, ms]) => `      ${ms.toFixed(2).padStart(7)} ms  ${k}`)
      .join('\n')
  return `    sampled ${total.toFixed(2)} ms in ${windows.length} windows; leaves:\n${top(leaves)}\n    innermost of ours:\n${top(ours)}`
}
