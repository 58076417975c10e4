// Child processes (server, relay, CLIs) must not outlive a bench that fails or is stopped:
// every stop function is registered here and run on the way out.
const stops = new Set<() => Promise<void>>()

/** Registers `stop`; returns a function that runs it once and unregisters it. */
export function onCleanup(stop: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined
  const once = () => (done ??= (stops.delete(once), stop()))
  stops.add(once)
  return once
}

export async function cleanupAll(): Promise<void> {
  await Promise.allSettled([...stops].map((stop) => stop()))
}
