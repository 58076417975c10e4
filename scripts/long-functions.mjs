// Lists functions (declarations, methods, arrows, constructors) longer than a limit in packages/*/src.
import ts from 'typescript'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
const limit = Number(process.argv[2] ?? 60)
const files = []
const walk = (dir) => {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) walk(p)
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p)
  }
}
for (const pkg of readdirSync('packages')) {
  try {
    walk(join('packages', pkg, 'src'))
  } catch {}
}
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line
      const end = sf.getLineAndCharacterOfPosition(node.end).line
      if (end - start + 1 > limit) {
        const name =
          node.name?.getText(sf) ??
          (ts.isConstructorDeclaration(node)
            ? 'constructor'
            : node.parent && ts.isVariableDeclaration(node.parent)
              ? node.parent.name.getText(sf)
              : '<anonymous>')
        console.log(`${end - start + 1}\t${file}:${start + 1}\t${name}`)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
}
