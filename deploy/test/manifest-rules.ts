// What the manifests must hold beyond Kubernetes' schemas, each rule a function of the
// rendered objects returning its problems (none when it holds): kubernetes.test.ts runs them
// on every overlay, and on broken copies to show that each one catches what it is for.
import { settingsFromEnv } from '../../packages/server/src/settings.js'
import { containersOf, podSpecOf, type K8sObject, type Rendered } from './kustomize.js'

/** One running session's Claude Code (docs/benchmarks.md), and the server's own share. */
export const MIB_PER_RUNNING_CLI = 230
export const SERVER_BASE_MIB = 256
/** The server's own container: the one that runs packages/server/dist/main.js. */
export const SERVER = 'claude-agent-server'

type Rule = (r: Rendered) => string[]
const where = (o: K8sObject, c?: Record<string, any>) => `${o.kind}/${o.metadata.name}${c ? ` container ${c['name']}` : ''}`
const workloads = (r: Rendered) => r.objects.filter((o) => podSpecOf(o))
const server = (r: Rendered) => r.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === SERVER)

/** `5Gi`, `512Mi`, `1G`, `500m` (cpu), plain numbers. */
export function quantity(value: string | number): number {
  const match = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(value))
  if (!match) return NaN
  const units: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }
  return Number(match[1]) * (match[2] ? (units[match[2]] as number) : 1)
}

/** A container's plain env values (not those from secrets or fields). */
export function plainEnv(container: Record<string, any>): Record<string, string> {
  return Object.fromEntries(((container['env'] ?? []) as any[]).filter((e) => 'value' in e).map((e) => [e.name, String(e.value)]))
}

const resources: Rule = (r) =>
  workloads(r).flatMap((o) =>
    containersOf(o).flatMap((c) =>
      ['requests', 'limits'].flatMap((kind) =>
        ['cpu', 'memory'].flatMap((res) => (c['resources']?.[kind]?.[res] === undefined ? [`${where(o, c)} has no ${kind}.${res}`] : [])),
      ),
    ),
  )

const probes: Rule = (r) =>
  workloads(r).flatMap((o) =>
    (podSpecOf(o)?.['containers'] as any[]).flatMap((c) =>
      ['readinessProbe', 'livenessProbe'].flatMap((p) => (c[p] ? [] : [`${where(o, c)} has no ${p}`])),
    ),
  )

/** Non-root, nothing privileged, no capability kept: for every container, no exception. */
const security: Rule = (r) =>
  workloads(r).flatMap((o) => {
    const pod = podSpecOf(o) as Record<string, any>
    return containersOf(o).flatMap((c) => {
      const sc = c['securityContext'] ?? {}
      const problems: string[] = []
      if (!(sc.runAsNonRoot ?? pod['securityContext']?.runAsNonRoot)) problems.push(`${where(o, c)} is not runAsNonRoot`)
      if (sc.privileged) problems.push(`${where(o, c)} is privileged`)
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where(o, c)} allows privilege escalation`)
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where(o, c)} keeps capabilities`)
      if (pod['hostNetwork'] || pod['hostPID'] || pod['hostIPC']) problems.push(`${where(o)} shares a host namespace`)
      return problems
    })
  })

const SECRET_NAME = /KEY|TOKEN|PASSWORD|SECRET|DATABASE_URL/
const SECRET_VALUE = /sk-ant-|:\/\/[^/\s:@]+:[^/\s@]+@|-----BEGIN/

/** No secret in the manifests: secret-like variables come from a generated Secret (whose file
 * is never committed), and no value anywhere looks like a credential. */
const noInlineSecrets: Rule = (r) => {
  const problems: string[] = []
  for (const o of r.objects) {
    if (o.kind === 'Secret' && !r.secrets.has(o.metadata.name)) problems.push(`${where(o)} is a Secret written in a manifest`)
    if (o.kind === 'Secret' && r.secrets.has(o.metadata.name) && o['stringData']) problems.push(`${where(o)} has stringData`)
    if (o.kind !== 'Secret' && SECRET_VALUE.test(JSON.stringify(o))) problems.push(`${where(o)} holds a value that looks like a credential`)
    for (const c of containersOf(o))
      for (const e of (c['env'] ?? []) as any[]) {
        if (!SECRET_NAME.test(e.name)) continue
        const ref = e.valueFrom?.secretKeyRef
        if (!ref) problems.push(`${where(o, c)} sets ${e.name} without a secretKeyRef`)
        else if (!r.secrets.get(ref.name)?.documented.includes(ref.key))
          problems.push(`${where(o, c)} takes ${e.name} from ${ref.name}.${ref.key}, which no generated secret's example documents`)
      }
  }
  return problems
}

/** The server's image is the one the kustomization sets, in every container that runs it. */
const oneImage: Rule = (r) => {
  const expected = r.images.get(SERVER)
  if (!expected) return [`no images entry sets ${SERVER}`]
  return r.objects
    .flatMap((o) => containersOf(o).map((c) => [o, c] as const))
    .filter(([o, c]) => o.metadata.name === SERVER || String(c['image']).includes(SERVER))
    .flatMap(([o, c]) => (c['image'] === expected ? [] : [`${where(o, c)} runs ${c['image']}, not ${expected}`]))
}

function portNumber(c: Record<string, any>, port: string | number): number | undefined {
  if (typeof port === 'number') return (c['ports'] as any[]).some((p) => p.containerPort === port) ? port : undefined
  return (c['ports'] as any[]).find((p) => p.name === port)?.containerPort
}

/** The Service, the probes, the env and the network policy agree on the two ports. */
const ports: Rule = (r) => {
  const d = server(r)
  const c = d && podSpecOf(d)?.['containers']?.[0]
  if (!d || !c) return [`no Deployment/${SERVER}`]
  const env = plainEnv(c)
  const api = Number(env['PORT'])
  const metrics = Number(env['METRICS_PORT'])
  const problems: string[] = []
  if (portNumber(c, 'http') !== api) problems.push(`containerPort http is not PORT ${api}`)
  if (portNumber(c, 'metrics') !== metrics) problems.push(`containerPort metrics is not METRICS_PORT ${metrics}`)
  if (env['HOST'] !== '0.0.0.0' || env['METRICS_HOST'] !== '0.0.0.0') problems.push('HOST and METRICS_HOST must be 0.0.0.0 in a pod')
  if (new URL(env['CLUSTER_ADVERTISE_URL'] ?? 'http://x').port !== String(api)) problems.push('CLUSTER_ADVERTISE_URL is not on PORT')
  // The API's /ready wants a token; the kubelet has none: probes go to the metrics port.
  for (const [name, path] of [
    ['readinessProbe', '/ready'],
    ['livenessProbe', '/live'],
    ['startupProbe', '/live'],
  ] as const) {
    const probe = c[name]?.httpGet
    if (!probe) continue
    if (portNumber(c, probe.port) !== metrics) problems.push(`${name} is not on METRICS_PORT ${metrics}`)
    if (probe.path !== path) problems.push(`${name} asks ${probe.path}, not ${path}`)
  }
  for (const svc of r.objects.filter((o) => o.kind === 'Service' && o['spec'].selector?.['app.kubernetes.io/name'] === SERVER))
    for (const p of svc['spec'].ports as any[])
      if (portNumber(c, p.targetPort) !== api)
        problems.push(`Service/${svc.metadata.name} port ${p.port} targets ${p.targetPort}, not PORT ${api}`)
  const policy = r.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === SERVER)
  const ingress = ((policy?.['spec'].ingress ?? []) as any[]).flatMap((rule) => (rule.ports ?? []).map((p: any) => p.port))
  for (const port of [api, metrics]) if (!ingress.includes(port)) problems.push(`the NetworkPolicy admits nothing on ${port}`)
  return problems
}

/** The ports a policy's egress rules allow towards pods labelled `name`. */
function egressPortsTo(policy: K8sObject | undefined, name: string): number[] {
  return ((policy?.['spec'].egress ?? []) as any[])
    .filter((rule) => (rule.to ?? []).some((peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === name))
    .flatMap((rule) => (rule.ports ?? []).map((p: any) => p.port))
}

/** Nodes reach each other (forwarding) and, when it runs here, the PostgreSQL on its port. */
const peers: Rule = (r) => {
  const d = server(r)
  const c = d && podSpecOf(d)?.['containers']?.[0]
  if (!d || !c) return [`no Deployment/${SERVER}`]
  const policy = r.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === SERVER)
  const problems: string[] = []
  const api = Number(plainEnv(c)['PORT'])
  if (!egressPortsTo(policy, SERVER).includes(api)) problems.push(`nodes may not reach each other on PORT ${api}`)
  const db = r.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres')
  const dbService = r.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'postgres')
  if (!db) return problems
  const dbContainer = podSpecOf(db)?.['containers']?.[0] as Record<string, any>
  for (const p of (dbService?.['spec'].ports ?? []) as any[]) {
    const port = portNumber(dbContainer, p.targetPort)
    if (port !== p.port) problems.push(`Service/postgres port ${p.port} targets ${p.targetPort} (${port})`)
    if (!egressPortsTo(policy, 'postgres').includes(p.port)) problems.push(`nodes may not reach PostgreSQL on ${p.port}`)
    const dbPolicy = r.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'postgres')
    const admitted = ((dbPolicy?.['spec'].ingress ?? []) as any[]).flatMap((rule) => (rule.ports ?? []).map((q: any) => q.port))
    if (!admitted.includes(p.port)) problems.push(`PostgreSQL admits nothing on ${p.port}`)
  }
  return problems
}

/** A SIGTERM'd node gets its whole shutdown grace before the kubelet's SIGKILL. */
const grace: Rule = (r) => {
  const d = server(r)
  const c = d && podSpecOf(d)?.['containers']?.[0]
  if (!d || !c) return [`no Deployment/${SERVER}`]
  const env = plainEnv(c)
  const settings = settingsFromEnv({ ...env, DATA_DIR: '/data', AUTH_TOKENS: 'ops:placeholder-token-0123456789' })
  const podSeconds = (podSpecOf(d)?.['terminationGracePeriodSeconds'] as number | undefined) ?? 30
  return podSeconds * 1000 > settings.shutdownGraceMs + 5_000
    ? []
    : [`terminationGracePeriodSeconds ${podSeconds} s is not 5 s above SHUTDOWN_GRACE_MS ${settings.shutdownGraceMs} ms`]
}

/** Memory for CLUSTER_MAX_SESSIONS running CLIs, requested in full (no overcommit). */
const memory: Rule = (r) => {
  const d = server(r)
  const c = d && podSpecOf(d)?.['containers']?.[0]
  if (!d || !c) return [`no Deployment/${SERVER}`]
  const sessions = Number(plainEnv(c)['CLUSTER_MAX_SESSIONS'])
  if (!Number.isInteger(sessions) || sessions < 1) return ['CLUSTER_MAX_SESSIONS is not set']
  const need = (sessions * MIB_PER_RUNNING_CLI + SERVER_BASE_MIB) * 2 ** 20
  const limit = quantity(c['resources']?.limits?.memory ?? '0')
  const request = quantity(c['resources']?.requests?.memory ?? '0')
  const problems: string[] = []
  if (!(limit >= need))
    problems.push(`memory limit ${c['resources']?.limits?.memory} is under ${sessions} sessions' ${Math.ceil(need / 2 ** 20)} Mi`)
  if (request !== limit) problems.push('memory request differs from the limit')
  return problems
}

/** Every selector selects, every claim and secret named exists. */
const references: Rule = (r) => {
  const problems: string[] = []
  const podLabels = workloads(r).map((o) => o['spec'].template?.metadata?.labels ?? {})
  const selects = (sel: Record<string, string> = {}) => podLabels.some((l) => Object.entries(sel).every(([k, v]) => l[k] === v))
  for (const o of r.objects) {
    const spec = o['spec'] ?? {}
    if (o.kind === 'Service' && !selects(spec.selector)) problems.push(`${where(o)} selects no pod`)
    if (o.kind === 'PodDisruptionBudget' && !selects(spec.selector?.matchLabels)) problems.push(`${where(o)} selects no pod`)
    if (o.kind === 'NetworkPolicy') {
      if (!selects(spec.podSelector?.matchLabels)) problems.push(`${where(o)} selects no pod`)
      for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])])
        for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])])
          if (peer.podSelector && !peer.namespaceSelector && !selects(peer.podSelector.matchLabels))
            problems.push(`${where(o)} names peers no pod here has: ${JSON.stringify(peer.podSelector.matchLabels)}`)
    }
    for (const v of (podSpecOf(o)?.['volumes'] ?? []) as any[]) {
      const claim = v.persistentVolumeClaim?.claimName
      if (claim && !r.objects.some((p) => p.kind === 'PersistentVolumeClaim' && p.metadata.name === claim))
        problems.push(`${where(o)} mounts a missing claim ${claim}`)
    }
  }
  return problems
}

export const RULES: Record<string, Rule> = {
  resources,
  probes,
  security,
  noInlineSecrets,
  oneImage,
  ports,
  peers,
  grace,
  memory,
  references,
}

export function ruleProblems(r: Rendered): string[] {
  return Object.entries(RULES).flatMap(([name, rule]) => rule(r).map((p) => `${name}: ${p}`))
}
