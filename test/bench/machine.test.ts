// The bench's reading of /proc/stat: how many of the machine's cores a phase kept busy.
import { describe, expect, it } from 'vitest'
import { busyCores, parseCpuTimes, readCpuTimes } from './machine.ts'

const before = `cpu  1000 10 200 5000 100 0 50 5 40 0
cpu0 500 5 100 2500 50 0 25 2 20 0
cpu1 500 5 100 2500 50 0 25 3 20 0
intr 12345
`
const after = `cpu  1900 10 300 5600 200 0 90 5 80 0
cpu0 950 5 150 2800 100 0 45 2 40 0
cpu1 950 5 150 2800 100 0 45 3 40 0
`

describe('the bench reading /proc/stat', () => {
  it('counts iowait as idle and leaves out guest time, already in user', () => {
    expect(parseCpuTimes(before)).toEqual({ total: 1000 + 10 + 200 + 5000 + 100 + 0 + 50 + 5, idle: 5100 })
  })

  it('gives the cores kept busy between two readings', () => {
    // 1,740 ticks passed, 700 of them idle: 1,040 / 1,740 of two cores
    expect(busyCores(parseCpuTimes(before), parseCpuTimes(after), 2)).toBeCloseTo((2 * 1040) / 1740, 6)
  })

  it('refuses text without the aggregate line', () => {
    expect(() => parseCpuTimes('cpu0 1 2 3 4 5 6 7 8\n')).toThrow(/aggregate cpu line/)
  })

  it('refuses a line it cannot read', () => {
    expect(() => parseCpuTimes('cpu  1 2 three 4 5 6 7 8\n')).toThrow(/unreadable cpu line/)
  })

  it('reads this machine’s own /proc/stat when there is one', () => {
    const times = readCpuTimes()
    if (process.platform !== 'linux') expect(times).toBeNull()
    else expect(times?.total).toBeGreaterThan(times?.idle ?? Number.POSITIVE_INFINITY)
  })
})
