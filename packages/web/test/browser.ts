// Debian's Chromium driven by playwright-core, offline, as root (no sandbox), for the console's tests.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
export const noChromium = existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (apt-get install chromium)`

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] })
}

/** A page that records its uncaught errors (a test asserts there are none); in a context of its
 * own (`options`: permissions granted, ...), with `initScript` run before the page's scripts. */
export async function openPage(
  browser: Browser,
  viewport = { width: 1200, height: 900 },
  options: { context?: BrowserContextOptions; initScript?: string } = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport, ...options.context })
  if (options.initScript) await page.addInitScript(options.initScript)
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  return { page, errors }
}

/** The text of every element `selector` matches, in order. */
export const texts = (page: Page, selector: string): Promise<string[]> =>
  page.locator(selector).evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''))
