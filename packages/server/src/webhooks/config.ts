// Webhooks as configured: a JSON file of hooks (WEBHOOKS_FILE) and/or one hook from the
// environment (WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_EVENTS), with the retry policy. Checked
// at start: a bad one stops the server with one line naming it, never showing a secret.
import { readFileSync } from 'node:fs'
import { WEBHOOK_EVENTS, type WebhookEventType } from './events.js'
import { MAX_TIMER_MS } from '../max-timer.js'

export interface WebhookHook {
  /** Names the hook in deliveries and logs; a pending delivery goes to the hook of its id. */
  id: string
  url: string
  secret: string
  events: WebhookEventType[]
}

export interface WebhookSettings {
  hooks: WebhookHook[]
  /** Tries per delivery, the first included. @default 5 */
  maxAttempts: number
  /** The wait after the first failed try; each later one doubles it (plus up to half again, at random). @default 1000 */
  retryBaseMs: number
  /** The longest wait between tries. @default 5 minutes */
  retryMaxMs: number
  /** One try's limit, answer headers included. @default 10 s */
  timeoutMs: number
  /** Pending deliveries at most, per hook; its events beyond it are dropped (and logged). @default 10000 */
  maxPending: number
}

/** Shorter secrets are refused: an HMAC key should not be guessable. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

type Env = Record<string, string | undefined>
type Fail = (message: string) => never

export { MAX_TIMER_MS }

function intSetting(env: Env, name: string, fallback: number, min: number, fail: Fail, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min || Number(raw) > max)
    fail(`${name} must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got "${raw}"`)
  return Number(raw)
}

function checkUrl(name: string, raw: unknown, fail: Fail): string {
  if (typeof raw !== 'string' || raw === '') fail(`${name} must be a URL`)
  // A value that is not an http(s) URL is never quoted: it may be the secret set in the wrong
  // variable, or a URL whose user:password@ broke the parse.
  if (!URL.canParse(raw)) fail(`${name} is not a URL (not shown: it may hold a credential)`)
  const url = new URL(raw)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    const scheme = /^[a-z][a-z0-9+.-]{0,9}:$/.test(url.protocol) ? `, got "${url.protocol}"` : ''
    fail(`${name} must be an http: or https: URL${scheme}`)
  }
  // Logged and listed as is, so it must hold nothing secret; the signature authenticates.
  if (url.username || url.password) fail(`${name} must not carry credentials (user:password@); the signature authenticates the server`)
  return url.href
}

function checkEvents(name: string, raw: unknown, fail: Fail): WebhookEventType[] {
  if (raw === undefined) return [...WEBHOOK_EVENTS]
  const names = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : raw
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    fail(`${name} must list event names (${WEBHOOK_EVENTS.join(', ')})`)
  }
  for (const event of names as string[]) {
    if (!WEBHOOK_EVENTS.includes(event as WebhookEventType)) fail(`${name}: unknown event "${event}" (known: ${WEBHOOK_EVENTS.join(', ')})`)
  }
  return [...new Set(names as WebhookEventType[])]
}

function checkSecret(name: string, raw: unknown, fail: Fail): string {
  if (typeof raw !== 'string' || raw.length < MIN_WEBHOOK_SECRET_LENGTH)
    fail(`${name} must be a string of at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`)
  return raw
}

function hooksFromFile(path: string, fail: Fail): WebhookHook[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    // Never the parser's message: it may quote the file, secrets included.
    fail(`WEBHOOKS_FILE ${path}: ${(err as NodeJS.ErrnoException).code ?? 'not valid JSON'}`)
  }
  if (!Array.isArray(parsed)) fail(`WEBHOOKS_FILE ${path} must hold a JSON array of hooks`)
  return parsed.map((entry: unknown, i) => {
    const where = `WEBHOOKS_FILE ${path} [${i}]`
    if (typeof entry !== 'object' || entry === null) fail(`${where} must be an object`)
    const { id, url, secret, events, ...rest } = entry as Record<string, unknown>
    const unknown = Object.keys(rest)[0]
    if (unknown !== undefined) fail(`${where}: unknown field "${unknown}" (id, url, secret, events)`)
    if (typeof id !== 'string' || !ID.test(id)) fail(`${where}.id must be 1-64 letters, digits, '.', '_' or '-'`)
    return {
      id,
      url: checkUrl(`${where}.url`, url, fail),
      secret: checkSecret(`${where}.secret`, secret, fail),
      events: checkEvents(`${where}.events`, events, fail),
    }
  })
}

/** The hook named by WEBHOOK_URL, if set (id `env`). */
function hookFromEnv(env: Env, fail: Fail): WebhookHook[] {
  if (!env['WEBHOOK_URL']) {
    if (env['WEBHOOK_SECRET'] || env['WEBHOOK_EVENTS']) fail('WEBHOOK_SECRET and WEBHOOK_EVENTS need WEBHOOK_URL')
    return []
  }
  return [
    {
      id: 'env',
      url: checkUrl('WEBHOOK_URL', env['WEBHOOK_URL'], fail),
      secret: checkSecret('WEBHOOK_SECRET', env['WEBHOOK_SECRET'], fail),
      events: checkEvents('WEBHOOK_EVENTS', env['WEBHOOK_EVENTS'] || undefined, fail),
    },
  ]
}

/** @param fail throws the start-up error (a SettingsError) with the message */
export function webhookSettingsFromEnv(env: Env, fail: Fail): WebhookSettings {
  const file = env['WEBHOOKS_FILE']
  const hooks = [...(file ? hooksFromFile(file, fail) : []), ...hookFromEnv(env, fail)]
  const ids = hooks.map((h) => h.id)
  const twice = ids.find((id, i) => ids.indexOf(id) !== i)
  if (twice !== undefined) fail(`webhook id "${twice}" is used twice${twice === 'env' ? ' (WEBHOOK_URL\'s hook is "env")' : ''}`)
  return {
    hooks,
    maxAttempts: intSetting(env, 'WEBHOOK_MAX_ATTEMPTS', 5, 1, fail),
    // Waits a timer can hold: past it, a try's limit would end it after 1 ms, and a next try
    // could fall past the last date there is (the listing could not show it).
    retryBaseMs: intSetting(env, 'WEBHOOK_RETRY_BASE_MS', 1000, 1, fail, MAX_TIMER_MS),
    retryMaxMs: intSetting(env, 'WEBHOOK_RETRY_MAX_MS', 5 * 60_000, 1, fail, MAX_TIMER_MS),
    timeoutMs: intSetting(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 1, fail, MAX_TIMER_MS),
    maxPending: intSetting(env, 'WEBHOOK_MAX_PENDING', 10_000, 1, fail),
  }
}

/** Settings given by embedding code (`startServer({ settings })`) meet the rules the
 * environment's do: a URL with credentials would be logged, a short secret guessed, a delay
 * past a timer's range fire after 1 ms, an unknown event never sent. */
export function checkWebhookSettings(settings: WebhookSettings, fail: Fail): void {
  const ids = new Set<string>()
  settings.hooks.forEach((hook, i) => {
    const where = `webhooks.hooks[${i}]`
    if (typeof hook.id !== 'string' || !ID.test(hook.id)) fail(`${where}.id must be 1-64 letters, digits, '.', '_' or '-'`)
    if (ids.has(hook.id)) fail(`webhook id "${hook.id}" is used twice`)
    ids.add(hook.id)
    checkUrl(`${where}.url`, hook.url, fail)
    checkSecret(`${where}.secret`, hook.secret, fail)
    checkEvents(`${where}.events`, hook.events, fail)
  })
  const bounds: Array<[keyof WebhookSettings, number, number]> = [
    ['maxAttempts', 1, Number.MAX_SAFE_INTEGER],
    ['retryBaseMs', 1, MAX_TIMER_MS],
    ['retryMaxMs', 1, MAX_TIMER_MS],
    ['timeoutMs', 1, MAX_TIMER_MS],
    ['maxPending', 1, Number.MAX_SAFE_INTEGER],
  ]
  for (const [name, min, max] of bounds) {
    const value = settings[name]
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
      fail(`webhooks.${name} must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got ${String(value)}`)
  }
}

/** The wait before try `failed + 1`, after `failed` tries failed: doubling, jittered upwards so
 * the waits still grow, capped. */
export function retryDelay(settings: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxMs'>, failed: number, random = Math.random): number {
  const doubled = settings.retryBaseMs * 2 ** Math.min(failed - 1, 30)
  return Math.min(settings.retryMaxMs, Math.round(doubled * (1 + random() / 2)))
}
