// The fake's template, read from the real one (deploy/e2b/template.ts, as `npm run build:e2b`
// would send it): its environment from the ENV steps, and its working directory (where the tree
// is copied and built) mounted from this checkout, which `npm run build` has built the same way.
import { fileURLToPath } from 'node:url'
import { Template } from 'e2b'
import { SERVER_PORT, template } from '../../../../deploy/e2b/template.js'
import type { FakeTemplate } from './sandbox.js'

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

interface Step {
  type: string
  args: string[]
}

/** The real template, with its app directory mounted from `appDir` (default: this checkout). */
export async function serverTemplate(appDir = REPO_ROOT): Promise<FakeTemplate> {
  const { steps } = JSON.parse(await Template.toJSON(template, false)) as { steps: Step[] }
  const envs: Record<string, string> = {}
  for (const step of steps.filter((s) => s.type === 'ENV')) {
    for (let i = 0; i + 1 < step.args.length; i += 2) envs[step.args[i]!] = step.args[i + 1]!
  }
  const workdir = steps.findLast((s) => s.type === 'WORKDIR')?.args[0]
  if (!workdir) throw new Error('the template sets no working directory')
  return { mounts: { [workdir]: appDir }, envs, ports: [SERVER_PORT] }
}
