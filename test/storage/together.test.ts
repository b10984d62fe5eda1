// askedTogether (server/decision-store/together.ts): the questions of one turn of the event loop reach one answer()
// call, in the order asked, each gets its own answer, and a failure fails them all.
import { describe, expect, it } from 'vitest'
import { askedTogether } from '../../server/decision-store/together.ts'

describe('questions asked together', () => {
  it('answers the questions of one turn with one call, each its own answer, and a later turn with another', async () => {
    const calls: number[][] = []
    const square = askedTogether(async (questions: number[]) => {
      calls.push(questions)
      return questions.map((q) => q * q)
    })
    expect(await Promise.all([square(2), square(3), square(4)])).toEqual([4, 9, 16])
    expect(await square(5)).toBe(25)
    expect(calls).toEqual([[2, 3, 4], [5]])
  })

  it('fails every question of the turn when the answer fails', async () => {
    const ask = askedTogether(async (_questions: string[]): Promise<string[]> => {
      throw new Error('the database is gone')
    })
    const results = await Promise.allSettled([ask('a'), ask('b')])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('the database is gone'))
  })
})
