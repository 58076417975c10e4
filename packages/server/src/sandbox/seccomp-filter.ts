// A seccomp filter that stops a sandboxed process from making a setuid or setgid file. A server
// running as root runs its sandboxes as root mapped to the host's root: every file the agent
// makes in its workspace is the host root's, and without this a `chmod 4755` there left a
// setuid-root program on the host that any local user who could reach it ran as root (bwrap's
// nosuid mounts only stop it inside). Refused with EPERM: a chmod (any form) or a creating open
// or mknod whose mode has S_ISUID or S_ISGID. What it cannot inspect is refused whole with
// ENOSYS, so callers fall back: openat2 (its mode is in a struct), io_uring (an open queued
// there is no syscall), and every syscall of another ABI (i386, x32: other numbers). Classic
// BPF, assembled here (no libseccomp), handed to bwrap as `--seccomp <fd>`.

const LD_ABS_W = 0x20
const JEQ_K = 0x15
const JGE_K = 0x35
const JSET_K = 0x45
const RET_K = 0x06
const RET_ALLOW = 0x7fff0000
const retErrno = (errno: number) => 0x00050000 | errno
const EPERM = 1
const ENOSYS = 38
/** Where seccomp_data keeps the syscall number, the arch, and argument `i` (its low 32 bits). */
const NR = 0
const ARCH = 4
const arg = (i: number) => 16 + 8 * i
const SET_ID_BITS = 0o6000
const X32_BIT = 0x40000000

interface Table {
  arch: number
  /** Syscall number → index of its mode argument. */
  modeArg: ReadonlyArray<readonly [number, number]>
  /** Syscalls refused whole. */
  refused: readonly number[]
  x32: boolean
}

// Numbers from the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl,
// include/uapi/asm-generic/unistd.h for arm64).
const TABLES: Partial<Record<string, Table>> = {
  x64: {
    arch: 0xc000003e,
    // open, creat, chmod, fchmod, mknod, openat, mknodat, fchmodat, fchmodat2
    modeArg: [
      [2, 2],
      [85, 1],
      [90, 1],
      [91, 1],
      [133, 1],
      [257, 3],
      [259, 2],
      [268, 2],
      [452, 2],
    ],
    // io_uring_setup, openat2
    refused: [425, 437],
    x32: true,
  },
  arm64: {
    arch: 0xc00000b7,
    // mknodat, fchmod, fchmodat, openat, fchmodat2
    modeArg: [
      [33, 2],
      [52, 1],
      [53, 2],
      [56, 3],
      [452, 2],
    ],
    refused: [425, 437],
    x32: false,
  },
}

type Insn = [code: number, jt: number, jf: number, k: number]

/** The filter for this machine's architecture, as bwrap reads it (struct sock_filter[]), or
 * undefined on one without a table here. */
export function noSetIdFilter(machine: string = process.arch): Buffer | undefined {
  const table = TABLES[machine]
  if (!table) return undefined
  const program: Insn[] = [
    [LD_ABS_W, 0, 0, ARCH],
    [JEQ_K, 1, 0, table.arch],
    [RET_K, 0, 0, retErrno(ENOSYS)],
    [LD_ABS_W, 0, 0, NR],
  ]
  if (table.x32) program.push([JGE_K, 0, 1, X32_BIT], [RET_K, 0, 0, retErrno(ENOSYS)])
  for (const nr of table.refused) program.push([JEQ_K, 0, 1, nr], [RET_K, 0, 0, retErrno(ENOSYS)])
  for (const [nr, index] of table.modeArg) {
    // Not this syscall: on to the next check (the accumulator still holds the number).
    program.push([JEQ_K, 0, 4, nr], [LD_ABS_W, 0, 0, arg(index)], [JSET_K, 0, 1, SET_ID_BITS])
    program.push([RET_K, 0, 0, retErrno(EPERM)], [RET_K, 0, 0, RET_ALLOW])
  }
  program.push([RET_K, 0, 0, RET_ALLOW])
  const out = Buffer.alloc(program.length * 8)
  program.forEach(([code, jt, jf, k], i) => {
    out.writeUInt16LE(code, i * 8)
    out.writeUInt8(jt, i * 8 + 2)
    out.writeUInt8(jf, i * 8 + 3)
    out.writeUInt32LE(k >>> 0, i * 8 + 4)
  })
  return out
}
