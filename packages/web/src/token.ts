// The token for this tab: taken once from `?token=` (then removed from the address bar, so it is
// neither bookmarked nor shared), kept in sessionStorage (this tab only, gone when it closes).
const KEY = 'claude-agent-token'

export function takeTokenFromUrl(): void {
  const url = new URL(location.href)
  // Pasted with a space or a line break around it: those are never part of a token.
  const token = url.searchParams.get('token')?.trim() ?? null
  if (token === null) return
  if (token) sessionStorage.setItem(KEY, token)
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url.pathname + url.search + url.hash)
}

export const storedToken = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined
export const storeToken = (token: string): void => sessionStorage.setItem(KEY, token.trim())
export const forgetToken = (): void => sessionStorage.removeItem(KEY)
