// The part of kustomize deploy/kubernetes uses, so the manifests are checked as applied and
// with no kubectl on the machine: resources (files and directories), namespace, images,
// secretGenerator (from the `.env` file, or its `.env.example` when there is none) and JSON 6902
// patches (test, add, replace, remove). Anything else in a kustomization is refused, so a
// feature the checks would not see cannot slip in. kubernetes.test.ts compares the result with
// `kubectl kustomize` where kubectl is installed.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'

export type K8sObject = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }

export interface Generated {
  /** The env file's keys, with a placeholder value each (never the real ones). */
  keys: string[]
  /** The keys the example documents (`# KEY=...` or `KEY=...`). */
  documented: string[]
}

export interface Rendered {
  objects: K8sObject[]
  /** Per generated Secret name. */
  secrets: Map<string, Generated>
  /** The image names the kustomizations set (name -> newName:newTag). */
  images: Map<string, string>
}

const KNOWN = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'secretGenerator', 'patches'])
const CLUSTER_SCOPED = new Set(['Namespace', 'PersistentVolume', 'StorageClass', 'RuntimeClass', 'ClusterRole', 'ClusterRoleBinding'])

export function parseObjects(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0]?.message}`)
    const value = doc.toJS() as K8sObject | null
    return value ? [value] : []
  })
}

function envKeys(text: string, commented: boolean): string[] {
  const pattern = commented ? /^#?\s*([A-Z][A-Z0-9_]*)=/ : /^([A-Z][A-Z0-9_]*)=/
  return text.split('\n').flatMap((line) => pattern.exec(line.trim())?.[1] ?? [])
}

function generate(dir: string, spec: { name: string; envs?: string[] }, out: Rendered): K8sObject {
  const keys: string[] = []
  const documented: string[] = []
  for (const env of spec.envs ?? []) {
    const example = readFileSync(join(dir, `${env}.example`), 'utf8')
    documented.push(...envKeys(example, true))
    keys.push(...envKeys(existsSync(join(dir, env)) ? readFileSync(join(dir, env), 'utf8') : example, false))
  }
  out.secrets.set(spec.name, { keys, documented })
  const data = Object.fromEntries(keys.map((key) => [key, Buffer.from('placeholder').toString('base64')]))
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: spec.name }, type: 'Opaque', data }
}

type Op = { op: 'test' | 'add' | 'replace' | 'remove'; path: string; value?: unknown }

function applyOp(target: any, op: Op, where: string) {
  const keys = op.path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
  const last = keys.pop() as string
  let parent = target
  for (const key of keys) {
    parent = parent?.[Array.isArray(parent) ? Number(key) : key]
    if (parent === undefined) throw new Error(`${where}: ${op.op} ${op.path}: no such path`)
  }
  const index = Array.isArray(parent) ? (last === '-' ? parent.length : Number(last)) : undefined
  const exists = index === undefined ? Object.hasOwn(parent, last) : index < parent.length
  if (op.op !== 'add' && !exists) throw new Error(`${where}: ${op.op} ${op.path}: no such path`)
  if (op.op === 'test') {
    if (JSON.stringify(parent[index ?? last]) !== JSON.stringify(op.value))
      throw new Error(`${where}: test ${op.path} failed: ${JSON.stringify(parent[index ?? last])}`)
  } else if (op.op === 'remove') {
    if (index === undefined) delete parent[last]
    else parent.splice(index, 1)
  } else if (op.op === 'add' && index !== undefined) parent.splice(index, 0, op.value)
  else if (op.op === 'add' || op.op === 'replace') parent[index ?? last] = op.value
  else throw new Error(`${where}: unsupported patch op ${(op as Op).op}`)
}

/** The objects `kubectl kustomize <dir>` would give, secret names without their hash. */
export function render(dir: string): Rendered {
  const out: Rendered = { objects: [], secrets: new Map(), images: new Map() }
  out.objects = collect(dir, out)
  return out
}

function collect(dir: string, out: Rendered): K8sObject[] {
  const file = join(dir, 'kustomization.yaml')
  const k = parse(readFileSync(file, 'utf8')) as Record<string, any>
  const unknown = Object.keys(k).filter((key) => !KNOWN.has(key))
  if (unknown.length) throw new Error(`${file}: fields the checks do not model: ${unknown.join(', ')}`)
  const objects: K8sObject[] = []
  for (const resource of (k['resources'] ?? []) as string[]) {
    const path = join(dir, resource)
    if (statSync(path).isDirectory()) objects.push(...collect(path, out))
    else objects.push(...parseObjects(readFileSync(path, 'utf8'), path))
  }
  for (const spec of (k['secretGenerator'] ?? []) as Array<{ name: string; envs?: string[] }>) objects.push(generate(dir, spec, out))
  for (const patch of (k['patches'] ?? []) as Array<{ target: { kind: string; name: string }; patch: string }>) {
    const targets = objects.filter((o) => o.kind === patch.target.kind && o.metadata.name === patch.target.name)
    if (targets.length !== 1) throw new Error(`${file}: patch target ${patch.target.kind}/${patch.target.name} matched ${targets.length}`)
    for (const op of parse(patch.patch) as Op[]) applyOp(targets[0], op, file)
  }
  for (const image of (k['images'] ?? []) as Array<{ name: string; newName?: string; newTag?: string }>) {
    const ref = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ''}`
    out.images.set(image.name, ref)
    for (const container of objects.flatMap(containersOf)) if (container['image'] === image.name) container['image'] = ref
  }
  if (k['namespace']) for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k['namespace'] as string
  return objects
}

/** The pod template's spec of a workload, or undefined. */
export function podSpecOf(o: K8sObject): Record<string, any> | undefined {
  return o.kind === 'Pod' ? o['spec'] : o['spec']?.template?.spec
}

export function containersOf(o: K8sObject): Array<Record<string, any>> {
  const spec = podSpecOf(o)
  return spec ? [...(spec['initContainers'] ?? []), ...(spec['containers'] ?? [])] : []
}
