// The Node HTTP server in front of the Hono app. Before the adapter sees a request, its target
// becomes origin form on a fixed host, so the URL the app routes on is the one this server
// always routed on (an absolute-form target keeps only its path; the Host header names
// nothing). The top-level guard: whatever a request does, it gets a typed answer and the
// server serves on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { RequestError, getRequestListener } from '@hono/node-server'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { nodeCredentials, type Authenticator } from './auth.js'
import { answerOutsideRoutes } from './edge.js'
import type { HttpApp } from './http-app.js'
import { requestUrl } from './request-target.js'
import { errorResponse, logged, sendFailure } from './respond.js'

/** Throws INVALID_REQUEST for a target that is no path. */
function toOriginForm(req: IncomingMessage): void {
  const url = requestUrl(req.url)
  req.url = `${url.pathname}${url.search}`
  req.headers.host = 'localhost'
}

/** In a cluster: takes the requests another node serves (cluster/forward.ts); false: serve here. */
export type HttpForward = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

export function createHttpServer(app: HttpApp, auth: Authenticator, logger: Logger, forward?: HttpForward): Server {
  const listener = getRequestListener(app.fetch, {
    hostname: 'localhost',
    overrideGlobalObjects: false,
    // Only what the adapter itself refuses gets here: the app answers everything else.
    errorHandler: (err) =>
      errorResponse(
        err instanceof RequestError
          ? new ServerError('INVALID_REQUEST', 'The request is not valid', { issues: [{ path: 'path', message: 'not a valid request' }] })
          : logged(err, logger, 'HTTP adapter'),
      ),
  })
  const server = createServer((req, res) => {
    const fail = (err: unknown) => sendFailure(res, err, logger, `HTTP ${req.method}`)
    try {
      toOriginForm(req)
    } catch (err) {
      // UNAUTHORIZED first: a caller without a credential learns nothing of how its target reads.
      auth.authenticate(nodeCredentials(req)).then(() => fail(err), fail)
      return
    }
    const serve = () => {
      try {
        listener(req, res).catch(fail)
      } catch (err) {
        fail(err)
      }
    }
    if (!forward) return serve()
    forward(req, res).then((forwarded) => forwarded || serve(), fail)
  })
  answerOutsideRoutes(server, logger)
  return server
}
