// deploy/kubernetes, checked offline (there is no cluster here): every overlay rendered as
// kustomize would, each object validated against Kubernetes' own schemas (kubernetes-models),
// then the project's rules (manifest-rules.ts). Broken copies show that both catch what they
// are for, and `kubectl kustomize`, where installed, renders the same objects.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { unknownFields } from './known-fields.js'
import { containersOf, parseObjects, podSpecOf, render, type K8sObject, type Rendered } from './kustomize.js'
import { SERVER, plainEnv, ruleProblems } from './manifest-rules.js'

const ROOT = fileURLToPath(new URL('../kubernetes/', import.meta.url))
const OVERLAYS = readdirSync(join(ROOT, 'overlays')).sort()

/** The kubernetes-models class for an object's apiVersion and kind, e.g. apps/v1/Deployment. */
async function modelOf(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const module = (await import(`kubernetes-models/${o.apiVersion}/${o.kind}`)) as Record<
    string,
    new (data: unknown) => { validate(): void }
  >
  const model = module[o.kind]
  if (!model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`)
  return model
}

async function schemaProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = []
  for (const o of objects) {
    try {
      new (await modelOf(o))(o).validate()
    } catch (err) {
      problems.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`)
    }
    problems.push(...unknownFields(o).map((p) => `${o.kind}/${o.metadata.name}: ${p}`))
  }
  return problems
}

const serverOf = (r: Rendered) => r.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === SERVER) as K8sObject
const containerOf = (r: Rendered) => podSpecOf(serverOf(r))?.['containers'][0] as Record<string, any>
const envEntry = (r: Rendered, name: string) => (containerOf(r)['env'] as any[]).find((e) => e.name === name)

describe('Kubernetes manifests', () => {
  it('has the overlays the docs walk through', () => {
    assert.deepEqual(OVERLAYS, ['external-postgres', 'gvisor', 'in-cluster-postgres'])
  })

  for (const overlay of OVERLAYS) {
    describe(overlay, () => {
      const rendered = render(join(ROOT, 'overlays', overlay))

      it("validates against Kubernetes' schemas", async () => {
        const kinds = new Set(rendered.objects.map((o) => o.kind))
        for (const kind of [
          'Namespace',
          'Deployment',
          'Service',
          'PodDisruptionBudget',
          'PersistentVolumeClaim',
          'NetworkPolicy',
          'Secret',
        ])
          assert.ok(kinds.has(kind), `has a ${kind}`)
        assert.deepEqual(await schemaProblems(rendered.objects), [])
      })

      it("keeps the project's rules", () => {
        assert.deepEqual(ruleProblems(rendered), [])
      })
    })
  }

  it('runs bubblewrap by default and gVisor with the sandbox off in its overlay', () => {
    const bwrap = render(join(ROOT, 'overlays', 'in-cluster-postgres'))
    const pod = podSpecOf(serverOf(bwrap)) as Record<string, any>
    assert.equal(plainEnv(containerOf(bwrap))['SANDBOX'], 'bubblewrap')
    assert.equal(pod['hostUsers'], false)
    assert.equal(pod['securityContext'].seccompProfile.type, 'Unconfined')
    assert.equal(containerOf(bwrap)['securityContext'].procMount, 'Unmasked')
    assert.equal(containerOf(bwrap)['securityContext'].appArmorProfile.type, 'Unconfined')

    const gvisor = render(join(ROOT, 'overlays', 'gvisor'))
    const gpod = podSpecOf(serverOf(gvisor)) as Record<string, any>
    assert.equal(gpod['runtimeClassName'], 'gvisor')
    assert.equal(plainEnv(containerOf(gvisor))['SANDBOX'], 'none')
    assert.equal(gpod['hostUsers'], undefined)
    assert.equal(gpod['securityContext'].seccompProfile.type, 'RuntimeDefault')
    assert.equal(containerOf(gvisor)['securityContext'].procMount, undefined)
    const ns = gvisor.objects.find((o) => o.kind === 'Namespace') as K8sObject
    assert.equal((ns.metadata as Record<string, any>)['labels']['pod-security.kubernetes.io/enforce'], 'baseline')
  })

  it('names the node and its address from the downward API', () => {
    const r = render(join(ROOT, 'overlays', 'in-cluster-postgres'))
    assert.equal(envEntry(r, 'CLUSTER_NODE_ID').valueFrom.fieldRef.fieldPath, 'metadata.name')
    assert.equal(envEntry(r, 'POD_IP').valueFrom.fieldRef.fieldPath, 'status.podIP')
    const env = containerOf(r)['env'] as any[]
    assert.ok(
      env.findIndex((e) => e.name === 'POD_IP') < env.findIndex((e) => e.name === 'CLUSTER_ADVERTISE_URL'),
      'POD_IP is defined before $(POD_IP) refers to it',
    )
    assert.match(envEntry(r, 'CLUSTER_ADVERTISE_URL').value, /^http:\/\/\$\(POD_IP\):\d+$/)
    for (const name of ['DATABASE_URL', 'AUTH_TOKENS', 'ANTHROPIC_API_KEY'])
      assert.equal(envEntry(r, name).valueFrom.secretKeyRef.name, 'claude-agent-server', name)
    const pvc = r.objects.find((o) => o.kind === 'PersistentVolumeClaim') as K8sObject
    assert.deepEqual(pvc['spec'].accessModes, ['ReadWriteMany'])
  })

  it('commits no secret file', () => {
    const tracked = spawnSync('git', ['ls-files', ROOT], { encoding: 'utf8' })
    if (tracked.status !== 0) return
    const files = tracked.stdout.split('\n').filter(Boolean)
    assert.ok(
      files.some((f) => f.endsWith('server.env.example')),
      'the examples are tracked',
    )
    assert.deepEqual(
      files.filter((f) => f.endsWith('.env')),
      [],
    )
  })

  describe('a broken manifest is caught', () => {
    const broken = (change: (r: Rendered) => void): Rendered => {
      const r = render(join(ROOT, 'overlays', 'in-cluster-postgres'))
      change(r)
      return r
    }

    it('by the schemas', async () => {
      const r = broken((r) => {
        serverOf(r)['spec'].replicas = 'three'
        delete (podSpecOf(r.objects.find((o) => o.kind === 'StatefulSet') as K8sObject) as Record<string, any>)['containers']
      })
      const problems = await schemaProblems(r.objects)
      assert.equal(problems.length, 2, problems.join('\n'))
      assert.match(problems.join('\n'), /Deployment\/claude-agent-server.*replicas/s)
      assert.match(problems.join('\n'), /StatefulSet\/postgres.*containers/s)
    })

    it('by the schemas: a misspelt field, which validate() alone lets through', async () => {
      const r = broken((r) => {
        const pod = podSpecOf(serverOf(r)) as Record<string, any>
        pod['hostUser'] = pod['hostUsers']
        delete pod['hostUsers']
        containerOf(r)['readinesProbe'] = containerOf(r)['readinessProbe']
        containerOf(r)['securityContext'].capabilities.dorp = ['ALL']
      })
      assert.deepEqual(await schemaProblems(r.objects), [
        'Deployment/claude-agent-server: Deployment.spec.template.spec.containers[0].securityContext.capabilities.dorp is not a field Kubernetes knows',
        'Deployment/claude-agent-server: Deployment.spec.template.spec.containers[0].readinesProbe is not a field Kubernetes knows',
        'Deployment/claude-agent-server: Deployment.spec.template.spec.hostUser is not a field Kubernetes knows',
      ])
    })

    const cases: Array<[string, (r: Rendered) => void, RegExp]> = [
      ['a container without limits', (r) => delete containerOf(r)['resources'].limits, /resources: .*server has no limits\.cpu/],
      ['no readiness probe', (r) => delete containerOf(r)['readinessProbe'], /probes: .*has no readinessProbe/],
      [
        'a probe on the API port, which wants a token',
        (r) => (containerOf(r)['readinessProbe'].httpGet.port = 'http'),
        /ports: readinessProbe is not on METRICS_PORT/,
      ],
      [
        'an inline API key',
        (r) => {
          const entry = envEntry(r, 'ANTHROPIC_API_KEY')
          delete entry.valueFrom
          entry.value = 'sk-ant-api03-xyz'
        },
        /noInlineSecrets: .*ANTHROPIC_API_KEY without a secretKeyRef/,
      ],
      [
        'a Secret written in a manifest',
        (r) => r.objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { k: 'v' } }),
        /noInlineSecrets: Secret\/keys/,
      ],
      [
        'a grace period under the shutdown grace',
        (r) => (podSpecOf(serverOf(r))!['terminationGracePeriodSeconds'] = 30),
        /grace: terminationGracePeriodSeconds 30/,
      ],
      [
        'a Service aimed at another port',
        (r) =>
          ((r.objects.find((o) => o.kind === 'Service' && o.metadata.name === SERVER) as K8sObject)['spec'].ports[0].targetPort = 8080),
        /ports: Service\/claude-agent-server port 80 targets 8080/,
      ],
      ['another image', (r) => (containerOf(r)['image'] = 'claude-agent-server:dev'), /oneImage: .*runs claude-agent-server:dev/],
      [
        'more sessions than memory',
        (r) => (envEntry(r, 'CLUSTER_MAX_SESSIONS').value = '64'),
        /memory: memory limit 5Gi is under 64 sessions/,
      ],
      [
        'root',
        (r) => {
          containerOf(r)['securityContext'].runAsNonRoot = false
          podSpecOf(serverOf(r))!['securityContext'].runAsNonRoot = false
        },
        /security: .*not runAsNonRoot/,
      ],
      ['a privileged container', (r) => (containerOf(r)['securityContext'].privileged = true), /security: .*is privileged/],
      [
        'PostgreSQL on another port than the nodes may reach',
        (r) => ((r.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'postgres') as K8sObject)['spec'].ports[0].port = 5433),
        /peers: nodes may not reach PostgreSQL on 5433/,
      ],
      [
        'a selector that selects nothing',
        (r) => ((r.objects.find((o) => o.kind === 'PodDisruptionBudget') as K8sObject)['spec'].selector.matchLabels = { app: 'x' }),
        /references: PodDisruptionBudget/,
      ],
    ]
    for (const [name, change, expected] of cases) {
      it(`by the rules: ${name}`, () => {
        const problems = ruleProblems(broken(change))
        assert.match(problems.join('\n'), expected)
      })
    }
  })

  it('renders what `kubectl kustomize` renders, where kubectl is installed', (t) => {
    if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) return t.skip('no kubectl here')
    // On a copy, with each secret file made from its example, as a user would.
    const copy = mkdtempSync(join(tmpdir(), 'cas-k8s-'))
    try {
      cpSync(ROOT, copy, { recursive: true })
      for (const dir of ['base', 'postgres'])
        for (const example of readdirSync(join(copy, dir)).filter((f) => f.endsWith('.env.example')))
          copyFileSync(join(copy, dir, example), join(copy, dir, example.replace(/\.example$/, '')))
      for (const overlay of OVERLAYS) {
        const dir = join(copy, 'overlays', overlay)
        const ours = render(dir).objects
        const theirs = parseObjects(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }), overlay)
        // kustomize names a generated Secret after its content: drop the hash to compare.
        const unhash = (name: string) => name.replace(/-[a-z0-9]{10}$/, '')
        for (const o of theirs) {
          if (o.kind === 'Secret') o.metadata.name = unhash(o.metadata.name)
          for (const c of containersOf(o))
            for (const e of (c['env'] ?? []) as any[])
              if (e.valueFrom?.secretKeyRef) e.valueFrom.secretKeyRef.name = unhash(e.valueFrom.secretKeyRef.name)
        }
        const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`
        const strip = (objects: K8sObject[]) =>
          Object.fromEntries(objects.filter((o) => o.kind !== 'Secret').map((o) => [key(o), JSON.parse(JSON.stringify(o)) as unknown]))
        assert.deepEqual(strip(ours), strip(theirs), overlay)
        assert.deepEqual(ours.map(key).sort(), theirs.map(key).sort(), overlay)
      }
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })
})
