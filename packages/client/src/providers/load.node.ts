// The providers that start a server, loaded when chosen (picked by the package's `imports` map,
// `#providers`): in Node, the local provider (child process) and the E2B one (the optional
// `e2b` package).
import type { E2BProvider } from './e2b.js'
import type { LocalProvider } from './local.js'

export async function loadLocalProvider(): Promise<typeof LocalProvider> {
  return (await import('./local.js')).LocalProvider
}

export async function loadE2BProvider(): Promise<typeof E2BProvider> {
  return (await import('./e2b.js')).E2BProvider
}
