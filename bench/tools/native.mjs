import { readFileSync } from 'node:fs'
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const self = new Map()
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
const out = new Map()
for (const [id, us] of self) {
  const n = byId.get(id)
  if (n.callFrame.url !== '') continue
  const fn = n.callFrame.functionName
  if (fn === '(idle)' || fn === '(program)' ) continue
  let a = parent.get(id); let chain = [fn]
  while (a !== undefined && byId.get(a).callFrame.url === '') { chain.push(byId.get(a).callFrame.functionName); a = parent.get(a) }
  const an = a !== undefined ? byId.get(a) : undefined
  const key = `${chain[0]} <- ${an ? an.callFrame.functionName + ' ' + an.callFrame.url.replace(/.*node_modules\//,'').replace(/.*packages\//,'') + ':' + (an.callFrame.lineNumber+1) : '?'}`
  out.set(key, (out.get(key) ?? 0) + us)
}
for (const [k, us] of [...out].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((us / 1000).toFixed(1).padStart(8), k)
