// A TCP forwarder between the client and the server, so a test can break the network for real:
// cut() destroys every connection (both sides), as a dropped link would; `refuse` drops new
// connections at once; `hold` keeps the client's bytes instead of forwarding them (a request lost
// in flight once cut() follows); stall() stops reading from the server (a stalled reader).
import { once } from 'node:events'
import net from 'node:net'

export interface Forwarder {
  /** `http://127.0.0.1:<port>`: give this to the client instead of the server's URL. */
  readonly url: string
  /** Connections accepted so far. */
  readonly connections: number
  /** Bytes from the client kept back while `hold` was set. */
  readonly heldBytes: number
  hold: boolean
  refuse: boolean
  cut(): void
  /** Stop (true) or resume (false) reading what the server sends. */
  stall(stalled: boolean): void
  close(): Promise<void>
}

interface Pair {
  client: net.Socket
  upstream: net.Socket
}

export async function startForwarder(targetPort: number): Promise<Forwarder> {
  const pairs = new Set<Pair>()
  let connections = 0
  let heldBytes = 0
  let stalled = false
  const server = net.createServer((client) => {
    connections++
    client.on('error', () => {})
    if (forwarder.refuse) return void client.destroy()
    const upstream = net.connect(targetPort, '127.0.0.1')
    upstream.on('error', () => {})
    const pair = { client, upstream }
    pairs.add(pair)
    client.on('data', (chunk) => {
      if (forwarder.hold) heldBytes += chunk.length
      else upstream.write(chunk)
    })
    if (stalled) upstream.pause()
    else upstream.pipe(client)
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end)
    upstream.on('close', end)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  const forwarder: Forwarder = {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections
    },
    get heldBytes() {
      return heldBytes
    },
    hold: false,
    refuse: false,
    cut() {
      for (const { client, upstream } of pairs) {
        client.destroy()
        upstream.destroy()
      }
    },
    stall(on) {
      stalled = on
      for (const { client, upstream } of pairs) {
        if (on) {
          upstream.unpipe(client)
          upstream.pause()
        } else upstream.pipe(client)
      }
    },
    async close() {
      forwarder.cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return forwarder
}
