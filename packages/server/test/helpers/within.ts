// A liveness bound for a test: what must happen at all (an answer, a settled write) fails the
// test naming it after a generous time instead of leaving it waiting. Not a timing assertion:
// the bound is far above what the behaviour under test takes.

/** `promise`'s outcome, or a rejection naming `what` after `ms`. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, bound])
  } finally {
    clearTimeout(timer)
  }
}
