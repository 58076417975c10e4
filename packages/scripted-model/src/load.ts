// Scenarios from JSON files, including the offline demo shipped in ../scenarios.
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Scenario } from './scenario.js'
import { ScenarioError, validateScenario } from './validate.js'

/**
 * Reads and validates a scenario JSON file. Throws ScenarioError naming the bad field.
 *
 * @example
 * const model = await startScriptedModel({ scenario: await loadScenario('scenarios/demo.json') });
 */
export async function loadScenario(path: string | URL): Promise<Scenario> {
  return parseScenarioJson(await readFile(path, 'utf8'), String(path))
}

function parseScenarioJson(text: string, source: string): Scenario {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ScenarioError([`${source}: not valid JSON (${(error as Error).message})`])
  }
  try {
    return validateScenario(value)
  } catch (error) {
    if (error instanceof ScenarioError) throw new ScenarioError(error.issues.map((i) => `${source}: ${i}`))
    throw error
  }
}

/** Path of the demo scenario; `scenarios/` ships next to `dist/` (and `src/`). */
export const demoScenarioUrl = new URL('../scenarios/demo.json', import.meta.url)

/**
 * The friendly offline demo: a greeting, a prompt mentioning "file" writes hello.txt with
 * the Write tool, "bash"/"run" runs `ls -la`, anything else explains demo mode.
 *
 * @example
 * const model = await startScriptedModel({ scenario: demoScenario });
 */
export const demoScenario: Scenario = parseScenarioJson(readFileSync(demoScenarioUrl, 'utf8'), 'demo.json')
