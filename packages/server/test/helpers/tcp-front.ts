// A loopback TCP server in front of another (a PostgreSQL here), for tests that stand a proxy
// between the server and what it talks to: each connection is handed to `onClient`, which
// decides what passes; every socket it tracks is destroyed on close.
import { createServer, type AddressInfo, type Socket } from 'node:net'

export interface TcpFront {
  /** `database`'s URL with its host and port this front's. */
  url(database: string): string
  close(): void
}

export async function tcpFront(onClient: (client: Socket, track: (socket: Socket) => void) => void): Promise<TcpFront> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => void sockets.add(socket)
  const server = createServer((client) => {
    track(client)
    onClient(client, track)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (database) => {
      const url = new URL(database)
      url.host = `127.0.0.1:${port}`
      return url.toString()
    },
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}
