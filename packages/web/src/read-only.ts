// What the page offers a principal: only what the server would let it do (tenancy/access.ts on
// the server decides; this only spares a person buttons that would be refused).
import type { LiveSession, Principal } from '@claude-agent/protocol'

/** Whether `principal` may only watch session `id` (a viewer; a member on another's session):
 * the page then offers no control the server would refuse. Unknown yet: not read only. */
export function readOnlyFor(principal: Principal | undefined, session: LiveSession | undefined): boolean {
  if (!principal || principal.role === 'admin') return false
  if (principal.role === 'viewer') return true
  return session !== undefined && session.owner !== principal.id
}

/** Viewers cannot create sessions. */
export const mayCreate = (principal: Principal | undefined): boolean => principal?.role !== 'viewer'
