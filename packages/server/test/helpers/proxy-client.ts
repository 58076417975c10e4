// Clients of the sandbox's egress proxy on its Unix socket, for tests: raw text (a CONNECT and
// what follows) and a plain absolute-form request, as HTTP_PROXY clients send it.
import { request } from 'node:http'
import { connect } from 'node:net'

/** Sends raw text to the proxy socket and returns what comes back until it closes or `until` matches. */
export function raw(socketPath: string, text: string, until = /\r\n\r\n/): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = ''
    const socket = connect(socketPath, () => socket.write(text))
    socket.on('data', (d) => {
      got += d
      if (until.test(got)) {
        socket.destroy()
        resolve(got)
      }
    })
    socket.on('end', () => resolve(got))
    socket.on('error', reject)
  })
}

/** A plain HTTP request through the proxy (absolute-form), as HTTP_PROXY clients send it. */
export function viaProxy(socketPath: string, url: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: url, method: 'GET', headers: { host: new URL(url).host } }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}
