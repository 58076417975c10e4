// Fields Kubernetes does not know. kubernetes-models' validate() lets unknown fields through
// (as the API server does unless asked to be strict), so a misspelt `hostUser: false` or
// `readinesProbe` would pass it and be dropped on apply. Its type declarations list every
// field of every type: each object's keys are checked against them, type by type. Types
// declared inline (a StatefulSet's volumeClaimTemplates) and maps (labels) are not walked.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url))

interface Shape {
  /** Field name -> the declared type it refers to (absent for a scalar, a map, a union). */
  fields: Map<string, { type?: string; file?: string }>
}

const shapes = new Map<string, Shape | null>()

/** The fields of the interface declared in a .d.ts file, with the file of each field's type. */
function shapeOf(file: string): Shape | null {
  if (shapes.has(file)) return shapes.get(file) as Shape | null
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const imports = new Map<string, string>()
  for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
    const from = m[2] as string
    const base = from.startsWith('.') ? join(dirname(file), from) : join(MODULES, from)
    imports.set(m[1] as string, base.replace(/\.js$/, '') + '.d.ts')
  }
  const body = /^export interface \w+(?: extends [\w, ]+)? \{\n([\s\S]*?)^\}/m.exec(text)?.[1]
  const shape: Shape | null = body === undefined ? null : { fields: new Map() }
  for (const m of (body ?? '').matchAll(/^ {4}"([^"]+)"\??: (?:Array<)?(\w+)?/gm)) {
    const type = m[2]
    shape?.fields.set(m[1] as string, type && imports.has(type) ? { type, file: imports.get(type) as string } : {})
  }
  shapes.set(file, shape)
  return shape
}

function walk(value: unknown, file: string, path: string, out: string[]) {
  if (Array.isArray(value)) return value.forEach((item, i) => walk(item, file, `${path}[${i}]`, out))
  if (value === null || typeof value !== 'object') return
  const shape = shapeOf(file)
  if (!shape) return
  for (const [key, child] of Object.entries(value)) {
    const field = shape.fields.get(key)
    if (!field) out.push(`${path}.${key} is not a field Kubernetes knows`)
    else if (field.file) walk(child, field.file, `${path}.${key}`, out)
  }
}

/** Unknown fields of an object, by path; the kind's declarations must exist. */
export function unknownFields(o: { apiVersion: string; kind: string }): string[] {
  const file = join(MODULES, 'kubernetes-models', o.apiVersion, `${o.kind}.d.ts`)
  if (!shapeOf(file)) return [`${o.apiVersion} ${o.kind} has no declarations in kubernetes-models`]
  const out: string[] = []
  walk(o, file, o.kind, out)
  return out
}
