// A stand-in for the model API's authentication, in front of the scripted model (which
// redacts credentials as it records them): it answers 401 unless the request carries the
// expected key, and records whether each request did, so a test can prove which key arrived.
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface KeyGate {
  url: string
  /** One entry per request: whether `x-api-key` was the expected key. */
  readonly verdicts: boolean[]
  /** Every request body, as text (to check what the agent sent the model). */
  readonly bodies: string[]
  close(): Promise<void>
}

/** `target` is read per request, so the gate can start before the model it fronts. */
export async function startKeyGate(target: () => string, expectedKey: string): Promise<KeyGate> {
  const verdicts: boolean[] = []
  const bodies: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      bodies.push(body.toString('utf8'))
      const ok = req.headers['x-api-key'] === expectedKey
      verdicts.push(ok)
      if (!ok) {
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }))
        return
      }
      const upstream = new URL(target())
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      forward.on('error', () => res.destroy())
      forward.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    verdicts,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
