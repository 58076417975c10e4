// Reads a Prometheus text scrape into `name{labels}` -> value, and finds samples in it.
export type Scrape = Map<string, number>

export function parseScrape(text: string): Scrape {
  const samples: Scrape = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    samples.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return samples
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(url, { headers })
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`)
  return parseScrape(await res.text())
}

/** The sample `name` whose labels include every given one (0 when there is none). */
export function sample(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  let total = 0
  for (const [key, value] of scraped) {
    const brace = key.indexOf('{')
    const keyName = brace < 0 ? key : key.slice(0, brace)
    if (keyName === name && want.every((w) => key.includes(w))) total += value
  }
  return total
}
