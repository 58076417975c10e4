// What the E2B fake knows: its API key, templates, sandboxes, the calls it answered, and the
// faults a test asked for (an HTTP error, no answer at all, calls held until several arrived:
// the latency that lets two clients race, or a change just before the answer), for the next calls
// of a route.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FakeSandbox, FakeTemplate } from './sandbox.js'
import { sendError } from './http.js'

export type FakeRoute = 'create' | 'list' | 'info' | 'timeout' | 'pause' | 'connect' | 'kill' | 'envd'

/**
 * `together`: the call waits until this many calls of its route are waiting, then all go on.
 * `before`: something happens (e.g. a kill) just before the call is answered as usual.
 */
export type Fault = { status: number; message: string } | 'hang' | { together: number } | { before: () => Promise<unknown> }

export interface FakeCall {
  route: FakeRoute
  sandboxId?: string
  /** For `envd`: the method and path, e.g. `POST /process.Process/Start`. */
  detail?: string
}

export class FakeState {
  readonly sandboxes = new Map<string, FakeSandbox>()
  readonly calls: FakeCall[] = []
  private readonly faults = new Map<FakeRoute, Fault[]>()
  private readonly hung = new Set<ServerResponse>()
  private readonly waiting = new Map<FakeRoute, Array<() => void>>()

  constructor(
    readonly apiKey: string,
    readonly templates: Record<string, FakeTemplate>,
    readonly baseDir: string,
  ) {}

  /** The next `times` calls of `route` get `fault` instead of an answer. */
  inject(route: FakeRoute, fault: Fault, times = 1): void {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...Array<Fault>(times).fill(fault)])
  }

  /** Records the call; true when a fault answered it (or holds it forever). */
  async faulted(route: FakeRoute, response: ServerResponse, call: Omit<FakeCall, 'route'> = {}): Promise<boolean> {
    this.calls.push({ route, ...call })
    const fault = this.faults.get(route)?.shift()
    if (!fault) return false
    if (fault === 'hang') this.hung.add(response)
    else if ('together' in fault) {
      await this.together(route, fault.together)
      return false
    } else if ('before' in fault) {
      await fault.before()
      return false
    } else sendError(response, fault.status, fault.message)
    return true
  }

  private together(route: FakeRoute, count: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = [...(this.waiting.get(route) ?? []), resolve]
      this.waiting.set(route, waiting)
      if (waiting.length < count) return
      this.waiting.delete(route)
      for (const go of waiting) go()
    })
  }

  /** X-API-KEY, as E2B checks it: 401 with E2B's message when it is missing or wrong. */
  authorized(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.headers['x-api-key'] === this.apiKey) return true
    sendError(response, 401, 'Invalid API key, it must start with "e2b_" prefix and be followed by 40 characters')
    return false
  }

  /** Ends what was held and every sandbox. */
  async close(): Promise<void> {
    for (const response of this.hung) response.destroy()
    await Promise.all([...this.sandboxes.values()].map((sandbox) => sandbox.kill('kill')))
  }
}
