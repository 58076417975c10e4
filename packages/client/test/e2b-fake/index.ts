// A small E2B stand-in on loopback for tests: the control plane (E2B_API_URL) and envd
// (E2B_SANDBOX_URL) that the real `e2b` SDK talks to, with a sandbox per create that runs real
// processes: our real server, started the way the E2B provider starts it, and the edge that serves
// a sandbox's ports at `<port>-<id>.<domain>` (gateway.ts). E2B's cloud is a
// boundary we do not own, so it is faked here, at its edge, and nothing of ours is.
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import type net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { handleControlPlane } from './control-plane.js'
import { handleEnvd } from './envd.js'
import { startGateway, type GatewayTls } from './gateway.js'
import { sendError } from './http.js'
import { closedPort, type FakeSandbox, type FakeTemplate } from './sandbox.js'
import { FakeState, type Fault, type FakeCall, type FakeRoute } from './state.js'

export type { FakeSandbox, FakeTemplate } from './sandbox.js'

export interface E2BFake {
  /** The control plane: give it as `apiUrl` (or E2B_API_URL). */
  apiUrl: string
  /** envd of every sandbox: give it as `sandboxUrl` (or E2B_SANDBOX_URL). */
  sandboxUrl: string
  apiKey: string
  sandboxes: ReadonlyMap<string, FakeSandbox>
  calls: readonly FakeCall[]
  /** What E2B's edge does for `https://<port>-<id>.<domain>`: the host port behind a sandbox port. */
  serverUrl(host: string): string
  /**
   * The sandboxes' domain, with the port of the fake's edge (`e2b.test:4567`): give it as
   * `domain` (or E2B_DOMAIN), and `<port>-<id>.<domain>` reaches that sandbox port once the name
   * resolves to loopback. HTTPS when the fake was given `tls`.
   */
  domain: string
  /** The next `times` calls of `route` get `fault` (an HTTP error, or no answer). */
  inject(route: FakeRoute, fault: Fault, times?: number): void
  close(): Promise<void>
}

export interface E2BFakeOptions {
  apiKey: string
  templates: Record<string, FakeTemplate>
  /** The sandboxes' domain (without the edge's port). @default 'e2b.test' */
  domain?: string
  /** A certificate for `*.<domain>`: the edge then speaks HTTPS, as E2B's does. */
  tls?: GatewayTls
}

export async function startE2BFake(options: E2BFakeOptions): Promise<E2BFake> {
  const baseDir = mkdtempSync(join(tmpdir(), 'cas-e2b-fake-'))
  const state = new FakeState(options.apiKey, options.templates, baseDir)
  const serve = (handler: typeof handleControlPlane) =>
    http.createServer((request, response) => {
      handler(state, request, response).catch((error: unknown) => {
        if (!response.headersSent) sendError(response, 500, String(error))
        else response.destroy()
      })
    })
  const api = serve(handleControlPlane)
  const envd = serve(handleEnvd)
  const listen = async (server: http.Server) => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  }
  const gateway = startGateway(state, options.tls)
  const [apiUrl, sandboxUrl, edgeUrl] = [await listen(api), await listen(envd), await listen(gateway.server)]
  const nothingThere = await closedPort()
  return {
    apiUrl,
    sandboxUrl,
    apiKey: options.apiKey,
    sandboxes: state.sandboxes,
    calls: state.calls,
    serverUrl(host) {
      const [, port, id] = /^(\d+)-([^.]+)\./.exec(host) ?? []
      const hostPort = state.sandboxes.get(id ?? '')?.hostPort(Number(port))
      // An unknown host comes to nothing: a port no one listens on.
      return `http://127.0.0.1:${hostPort ?? nothingThere}`
    },
    domain: `${options.domain ?? 'e2b.test'}:${new URL(edgeUrl).port}`,
    inject: (route, fault, times) => state.inject(route, fault, times),
    async close() {
      await state.close()
      gateway.close()
      for (const server of [api, envd, gateway.server]) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
      rmSync(baseDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    },
  }
}
