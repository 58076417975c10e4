// @ts-check
// Runs INSIDE the sandbox, as its first process, with the host's node binary:
//   node launcher.cjs [--hand-over <host>:<port>]... <relay>... -- <command> [args...]
// where a relay is `<host>:<port>=<unix socket>` or `<host>:<port>=<unix socket>=<target>`.
// The sandbox has its own network namespace with nothing but loopback, so this listens on
// each loopback address and relays every connection to the host-side Unix socket (the model
// gateway, the egress proxy); with a target it first asks the proxy to CONNECT to it, which
// makes an allowed host-loopback service answer at the same address inside. A `--hand-over`
// address is listened on here and the listening socket handed to the parent (the server)
// over the IPC channel it was started with: the server then accepts those connections itself,
// with no relay process in between (the model gateway's hop). The channel is closed before
// the command starts, so nothing the command runs can use it. Then it runs the command with
// the same stdio and exits with its status. Plain CommonJS, no dependencies: it is run from
// where it lies.
'use strict'
const net = require('node:net')
const fs = require('node:fs')
const { spawn } = require('node:child_process')
const { constants } = require('node:os')

const argv = process.argv.slice(2)
const split = argv.indexOf('--')
if (split < 0 || split === argv.length - 1) {
  process.stderr.write('usage: launcher.cjs [--hand-over <host>:<port>]... <host>:<port>=<socket>[=<target>]... -- <command> [args...]\n')
  process.exit(2)
}
/** @type {string[]} */
const handOvers = []
const specs = argv.slice(0, split).filter((arg, i, all) => {
  if (arg === '--hand-over') return false
  if (all[i - 1] === '--hand-over') return void handOvers.push(arg)
  return true
})
if (handOvers.length > 0 && typeof process.send !== 'function') {
  process.stderr.write('sandbox launcher: --hand-over needs the IPC channel of the process that started it\n')
  process.exit(2)
}
/** @param {string} listen */
const address = (listen) => {
  const colon = listen.lastIndexOf(':')
  return { host: listen.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(listen.slice(colon + 1)) }
}
const relays = specs.map((spec) => {
  const [listen = '', socket = '', target] = spec.split('=')
  return { ...address(listen), socket, target }
})
const [command, ...args] = /** @type {[string, ...string[]]} */ (argv.slice(split + 1))

/**
 * Joins two sockets; `host` is the one to the Unix socket.
 * @param {net.Socket} inside @param {net.Socket} host
 */
function join(inside, host) {
  const end = () => {
    inside.destroy()
    host.destroy()
  }
  inside.on('error', end).on('close', end)
  host.on('error', end).on('close', end)
  inside.pipe(host)
  host.pipe(inside)
}

/**
 * Asks the proxy on `host` for a tunnel to `target`; joins once it answers 200.
 * @param {net.Socket} inside @param {net.Socket} host @param {string} target
 */
function tunnel(inside, host, target) {
  inside.pause()
  inside.on('error', () => host.destroy())
  host.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`)
  let head = Buffer.alloc(0)
  /** @param {Buffer} chunk */
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk])
    const end = head.indexOf('\r\n\r\n')
    if (end < 0) return
    host.off('data', onData)
    if (!/^HTTP\/1\.[01] 200/.test(head.toString('latin1', 0, end))) {
      inside.destroy()
      host.destroy()
      return
    }
    const rest = head.subarray(end + 4)
    if (rest.length > 0) inside.write(rest)
    join(inside, host)
    inside.resume()
  }
  host.on('data', onData)
}

/** @param {{ host: string, port: number, socket: string, target: string | undefined }} relay */
function listen({ host, port, socket, target }) {
  return new Promise((resolve, reject) => {
    // No Nagle on the CLI's side: the model's answer streams in small writes (SSE events), and
    // each one held for an ACK is added to every turn.
    const server = net.createServer({ noDelay: true }, (inside) => {
      const out = net.connect(socket)
      if (target) tunnel(inside, out, target)
      else join(inside, out)
    })
    server.once('error', (/** @type {Error} */ err) => {
      // A mirrored service (a target) is a convenience: one the sandbox cannot listen for (a
      // port below 1024, without the capability; ::1 without IPv6) is left out, said once.
      // The proxy and the model gateway are what the command needs: those fail the start.
      if (!target) return reject(err)
      process.stderr.write(`sandbox launcher: ${host}:${port} is not mirrored into the sandbox: ${err.message}\n`)
      resolve(undefined)
    })
    server.listen(port, host, () => resolve(server))
  })
}

/**
 * Listens on `listen` and hands the listening socket to the parent; this process's copy is
 * closed once it is sent (the parent's copy keeps listening).
 * @param {string} listen
 */
function handOver(listen) {
  const { host, port } = address(listen)
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(port, host, () => {
      process.send?.({ type: 'claude-agent-listener', listen }, server, {}, (/** @type {Error | null} */ err) => {
        server.close()
        if (err) reject(err)
        else resolve(undefined)
      })
    })
  })
}

/** Closes the channel to the parent; resolves once it is closed (after the handed sockets
 * were taken), so the command can never inherit it. */
function leaveParent() {
  if (!process.connected) return Promise.resolve()
  return new Promise((resolve) => {
    process.once('disconnect', () => resolve(undefined))
    process.disconnect()
  })
}

/** The command's environment: the launcher's, with the command-only variables the server handed
 * through the host-side wrapper as JSON (sandbox-env.ts COMMAND_ENV_VAR) set over it. */
function commandEnv() {
  const { CLAUDE_AGENT_COMMAND_ENV: handed, ...env } = process.env
  return handed === undefined ? env : { ...env, ...JSON.parse(handed) }
}

/** O_CLOEXEC as /proc/<pid>/fdinfo shows it (octal `flags`): set on every descriptor Node opens. */
const O_CLOEXEC = 0o2000000

/**
 * Closes every descriptor this process inherited beyond stdio, so the command gets none of
 * them: bwrap passes on whatever the server was started with and did not mark close-on-exec (a
 * supervisor's pipe, a shell's `3</srv`). A directory among them is a way out of the sandbox's
 * mount namespace (/proc/self/fd/N/.. is the host's, writable); a file, one the sandbox hides.
 * Node's own descriptors are all close-on-exec: what is not is inherited (the IPC channel is
 * closed before this runs).
 */
function closeInherited() {
  for (const name of fs.readdirSync('/proc/self/fdinfo')) {
    const fd = Number(name)
    if (!(fd > 2)) continue
    let flags
    try {
      flags = /^flags:\s*([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${name}`, 'latin1'))?.[1]
    } catch {
      continue // the directory listing's own descriptor, closed since
    }
    if (flags === undefined || (parseInt(flags, 8) & O_CLOEXEC) === 0) fs.closeSync(fd)
  }
}

Promise.all([...relays.map(listen), ...handOvers.map(handOver)])
  .then(leaveParent)
  .then(
    () => {
      try {
        closeInherited()
      } catch (err) {
        // Running the command with them would be running it outside the sandbox's view.
        process.stderr.write(`sandbox launcher: cannot close inherited descriptors: ${err instanceof Error ? err.message : err}\n`)
        process.exit(1)
      }
      const child = spawn(command, args, { stdio: 'inherit', env: commandEnv() })
      for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT', 'SIGHUP'])) {
        process.on(signal, () => child.kill(signal))
      }
      child.on('error', (err) => {
        process.stderr.write(`sandbox launcher: cannot run ${command}: ${err.message}\n`)
        process.exit(127)
      })
      child.on('exit', (code, signal) => {
        process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0))
      })
    },
    (err) => {
      process.stderr.write(`sandbox launcher: cannot listen on loopback: ${err.message}\n`)
      process.exit(1)
    },
  )
