// How busy the whole machine was during a phase, from the first line of /proc/stat: the server, its
// database, the load generator, the sandbox providers and the kernel share two cores, so the
// per-process columns alone do not say how near the machine was to full. Linux only.
import { readFileSync } from 'node:fs'

/** The machine's CPU time so far, in USER_HZ ticks: all of it, and the part spent idle. */
export interface CpuTimes {
  total: number
  idle: number
}

/**
 * Reads the aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal
 * (then guest and guest_nice, already counted in user and nice, so left out). Idle includes iowait:
 * a core waiting on the disk could run something else.
 */
export function parseCpuTimes(stat: string): CpuTimes {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '))
  if (!line) throw new Error('no aggregate cpu line in /proc/stat')
  // user nice system idle iowait irq softirq steal
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number)
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n)))
    throw new Error(`unreadable cpu line: ${line}`)
  return { total: fields.reduce((a, b) => a + b, 0), idle: (fields[3] ?? 0) + (fields[4] ?? 0) }
}

export function readCpuTimes(): CpuTimes | null {
  if (process.platform !== 'linux') return null
  return parseCpuTimes(readFileSync('/proc/stat', 'utf8'))
}

/** Cores kept busy on average between two readings, out of `cores`. */
export function busyCores(before: CpuTimes, after: CpuTimes, cores: number): number {
  const total = after.total - before.total
  if (total <= 0) return 0
  return (cores * (total - (after.idle - before.idle))) / total
}
