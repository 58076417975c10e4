// The E2B template, checked offline (building it needs the E2B cloud): it copies the local
// tree rather than cloning a repository, installs with the lockfile (which brings the CLI),
// builds, and bakes no credential into the image.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Template } from 'e2b'
import { START_COMMAND, template } from '../e2b/template.js'

describe('E2B template', () => {
  it('builds the server from the local tree with the CLI preinstalled', async () => {
    const spec = JSON.parse(await Template.toJSON(template, false)) as { steps: Array<{ type: string; args: string[] }> }
    const text = JSON.stringify(spec)
    const copies = spec.steps.filter((s) => s.type === 'COPY').map((s) => s.args[0])
    assert.ok(copies.includes('packages') && copies.includes('package-lock.json'), `copies the tree: ${copies.join()}`)
    assert.ok(!/git clone/.test(text), 'no clone of an upstream repository')
    assert.match(text, /npm ci/)
    assert.match(text, /npm run build/)
    assert.match(text, /bubblewrap/)
    assert.ok(!/ANTHROPIC_API_KEY|AUTH_TOKEN/.test(text), 'no credential in the image')
    assert.match(START_COMMAND, /packages\/server\/dist\/main\.js$/)
  })
})
