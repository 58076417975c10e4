// setTimeout's (and AbortSignal.timeout's) longest delay: Node fires a longer one after 1 ms,
// so a setting of "a very long time" would mean "at once". Every duration setting stops here.
export const MAX_TIMER_MS = 2 ** 31 - 1
