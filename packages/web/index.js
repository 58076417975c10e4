// Where the console's built files are, for the server and for anyone serving the console
// themselves: every file in it is served at its own path (`/` is index.html).
import { URL, fileURLToPath } from 'node:url'

/** The absolute path of the built console: `index.html` and `assets/`. */
export const consoleDir = fileURLToPath(new URL('./dist', import.meta.url))
