// The contract every file in bench/measures/ implements.
import type { Figure } from './figure.js'

export interface BenchContext {
  /** Fewer repetitions and smaller sizes (`--quick`): a smoke run, not figures to publish. */
  quick: boolean
  /** `full` repetitions, or `quick` ones in quick mode. */
  reps(full: number, quick: number): number
  /** Progress, to stderr. */
  log(message: string): void
}

export interface Measure {
  /** The name to select it with: `npm run bench -- <name>`. */
  name: string
  title: string
  run(ctx: BenchContext): Promise<Figure[]>
}
