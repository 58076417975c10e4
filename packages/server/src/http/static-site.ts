// The web console's built files, served at `/` without a token (they hold no data; every API
// call the page makes needs one). The files are read once at start into memory and answered by
// exact path from that map, so no request path ever reaches the file system: `..`, encoded
// slashes, NUL bytes, symlinks and directories simply match nothing and fall through to the API
// (auth, then NOT_FOUND). Only GET; `/` is index.html.
import { readFileSync, readdirSync, lstatSync, existsSync } from 'node:fs'
import { consoleDir } from '@claude-agent/web'
import { extname, join } from 'node:path'
import type { MiddlewareHandler } from 'hono'

interface Asset {
  body: Uint8Array<ArrayBuffer>
  type: string
  /** Hashed names (under /assets/) never change: cached for good; index.html is revalidated. */
  immutable: boolean
}

export interface StaticSite {
  /** Exact request path (`/`, `/assets/index-x.js`) to its file. */
  assets: Map<string, Asset>
  /** Why there is nothing to serve (not built), shown at `/`. */
  missing?: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

// The page loads only its own files and talks only to its own origin; agent output it renders
// cannot run script even if the sanitizer missed something.
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const MAX_DEPTH = 4

function collect(root: string, dir: string, depth: number, out: Map<string, Asset>): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const stat = lstatSync(path)
    const url =
      '/' +
      path
        .slice(root.length + 1)
        .split('\\')
        .join('/')
    if (stat.isDirectory() && depth < MAX_DEPTH) collect(root, path, depth + 1, out)
    // Only plain files of a known type: no symlinks, no source maps.
    else if (stat.isFile() && TYPES[extname(name)]) {
      const body = new Uint8Array(readFileSync(path))
      out.set(url, { body, type: TYPES[extname(name)]!, immutable: url.startsWith('/assets/') })
    }
  }
}

/** The built console in `dir` (its `index.html` and what it loads). */
export function loadStaticSite(dir: string): StaticSite {
  if (!existsSync(join(dir, 'index.html')))
    return { assets: new Map(), missing: `The web console is not built (no ${join(dir, 'index.html')}): run npm run build` }
  const assets = new Map<string, Asset>()
  collect(dir, dir, 0, assets)
  const index = assets.get('/index.html')
  if (index) assets.set('/', index)
  return { assets }
}

/** Where the `@claude-agent/web` package (a dependency) keeps its build. */
export const installedConsoleDir = (): string => consoleDir

const rawPath = (url: string) => new URL(url).pathname

const NOT_BUILT_PAGE = (message: string) =>
  `<!doctype html><meta charset="utf-8"><title>Web console not built</title><p>${message.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</p><p>The API is served as usual.</p>`

export function staticSiteMiddleware(site: StaticSite): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET') return next()
    const path = rawPath(c.req.url)
    if (site.missing && (path === '/' || path === '/index.html'))
      return new Response(NOT_BUILT_PAGE(site.missing), {
        status: 503,
        headers: { 'content-type': TYPES['.html']!, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
      })
    const asset = site.assets.get(path)
    if (!asset) return next()
    const headers: Record<string, string> = {
      'content-type': asset.type,
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      // `?token=` may be in the address once: no page it links to learns it.
      'referrer-policy': 'no-referrer',
    }
    if (asset.type.startsWith('text/html')) headers['content-security-policy'] = PAGE_POLICY
    return new Response(asset.body, { status: 200, headers })
  }
}
