// The OIDC issuer's JWKS as jose fetches it (its `customFetch`), held to what a key set is: an
// answer 200 with a JSON body of at most MAX_JWKS_BYTES holding a `keys` list. jose alone read
// any body whole until its 5 s timeout (hundreds of MB from a fast endpoint, more after gzip),
// and called a JWKS that answered 500 or HTML a malformed JWT, logging nothing. Every failure
// here is a JwksUnreadable, said in the log once per outage (not once per request).
import type { FetchImplementation } from 'jose'
import type { Logger } from '../logger.js'

/** A JWKS is a few keys of a few hundred bytes each: a megabyte is a thousand of them. */
export const MAX_JWKS_BYTES = 1024 * 1024

/** The JWKS could not be read; the message says why (never a token: there is none here). */
export class JwksUnreadable extends Error {
  override readonly name = 'JwksUnreadable'
}

/** The body's bytes, refused once over `max`, decoded (a gzip body counts as it inflates). */
async function boundedText(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (declared > max) throw new JwksUnreadable(`its body is ${declared} bytes, over the limit of ${max}`)
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => undefined)
      throw new JwksUnreadable(`its body is over the limit of ${max} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function readJwks(url: string, init: Parameters<FetchImplementation>[1], max: number): Promise<string> {
  let response: Response
  try {
    response = await fetch(url, init)
  } catch (err) {
    throw new JwksUnreadable(init.signal.aborted ? 'it did not answer in time' : `it cannot be reached (${causeOf(err)})`)
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw new JwksUnreadable(`it answered HTTP ${response.status}`)
  }
  let text: string
  try {
    text = await boundedText(response, max)
  } catch (err) {
    if (err instanceof JwksUnreadable) throw err
    throw new JwksUnreadable(init.signal.aborted ? 'its body did not arrive in time' : `its body broke off (${causeOf(err)})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new JwksUnreadable('its body is not JSON')
  }
  const keys = (json as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key)))
    throw new JwksUnreadable('its body is not a key set (no "keys" list of objects)')
  return text
}

const causeOf = (err: unknown) => {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? String(err)
}

/** jose's fetch for the JWKS at `url`: bounded, checked, and logged once per outage. */
export function jwksFetch(jwksUrl: string, logger: Logger, max = MAX_JWKS_BYTES): FetchImplementation {
  let failing = false
  return async (url, init) => {
    try {
      const text = await readJwks(url, init, max)
      if (failing) logger.info(`OIDC: the JWKS at ${jwksUrl} is read again`)
      failing = false
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } })
    } catch (err) {
      if (!failing) logger.warn(`OIDC: the JWKS at ${jwksUrl} cannot be read: ${(err as Error).message}`)
      failing = true
      throw err
    }
  }
}
