// A seedable random source for chaos tests, so a failing run can be replayed: CHAOS_SEED sets
// the seed, else one is drawn (and each test prints it in its messages).
export const chaosSeed = (): number => Number(process.env['CHAOS_SEED'] ?? Math.floor(Math.random() * 2 ** 31))

/** mulberry32: small, seedable, good enough to pick moves and moments. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}
