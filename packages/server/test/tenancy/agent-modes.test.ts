// A sub-agent's permissionMode (config.agents.<name>.permissionMode) is held to
// MEMBER_PERMISSION_MODES as the session's own mode is: the CLI runs the sub-agent in it, so a
// member allowed only `default` whose sub-agent was in acceptEdits had its Bash writes run
// without a permission request (probed with the real CLI). Admins may name any mode.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { as, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

const withAgentMode = (permissionMode: string) => ({
  config: { agents: { helper: { description: 'helps', prompt: 'help', permissionMode } } },
})

describe("sub-agents' permission modes", () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack({ settings: { memberPermissionModes: ['default', 'plan'] } })
  })
  after(() => stack.close())

  it("refuses a member's sub-agent in a mode members may not use; allowed modes and admins go on", async () => {
    for (const mode of ['acceptEdits', 'bypassPermissions']) {
      const refused = await as(stack, 'ann', 'POST', '/sessions', withAgentMode(mode))
      assert.equal(refused.status, 403, refused.text)
      assert.equal(refused.body['code'], 'FORBIDDEN')
      assert.equal(refused.body['data']?.action, 'permission_mode')
      assert.equal(refused.body['data']?.mode, mode)
    }
    assert.equal((await as(stack, 'root', 'GET', '/sessions')).body['sessions'].length, 1, 'nothing made (the default session only)')
    assert.equal((await as(stack, 'ann', 'POST', '/sessions', withAgentMode('plan'))).status, 201)
    assert.equal((await as(stack, 'root', 'POST', '/sessions', withAgentMode('acceptEdits'))).status, 201)
  })
})
