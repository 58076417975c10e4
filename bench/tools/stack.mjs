import { readFileSync } from 'node:fs'
const [file, target] = process.argv.slice(2)
const p = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const self = new Map()
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
const out = new Map()
for (const [id, us] of self) {
  const n = byId.get(id)
  if (n.callFrame.functionName !== target) continue
  const chain = []
  let a = parent.get(id)
  while (a !== undefined && chain.length < 14) { const c = byId.get(a).callFrame; if (c.functionName !== '(root)') chain.push(`${c.functionName}@${c.url.replace(/.*node_modules\//,'').replace(/.*packages\//,'').replace('node:internal/','')}:${c.lineNumber+1}`); a = parent.get(a) }
  const key = chain.join(' < ')
  out.set(key, (out.get(key) ?? 0) + us)
}
for (const [k, us] of [...out].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log((us / 1000).toFixed(1), k, '\n')
