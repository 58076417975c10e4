// A fresh bearer token for a server a provider starts (the server compares SHA-256 digests, so
// any printable string works; 32 random bytes leave nothing to guess).

/** 43 characters of base64url: 256 random bits. */
export function generateToken(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}
