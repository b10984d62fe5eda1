// Matching, checked as properties over random teams of representatives and callers: nobody is
// offered twice, nobody who does not match or is not in the call's queue, a named extension is
// honoured, twins come together, and each deterministic strategy puts the right one first.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Candidate,
  chooseRepresentatives,
  eligible,
  matchesAttributes,
  orderByStrategy,
} from '../../server/acd/matching.ts'
import { type CallerPreferences, type QueueKind, queueFor, type Strategy } from '../../server/acd/types.ts'

const genders = ['female', 'male', 'nonbinary']
const signs = ['aries', 'leo', 'virgo']
const tags = ['tarot', 'astrology', 'hardware', 'software']
const strategies: Strategy[] = ['longest_idle', 'fewest_calls', 'least_talk_time', 'round_robin', 'random']
const epoch = Date.parse('2026-12-06T00:00:00Z')

const dateArb = fc.option(
  fc.integer({ min: 0, max: 10_000 }).map((s) => new Date(epoch + s * 1000)),
  { nil: null },
)

const teamArb: fc.Arbitrary<Candidate[]> = fc
  .array(
    fc.record({
      queues: fc.subarray<QueueKind>(['solo', 'dual', 'triple']),
      partner: fc.option(fc.nat({ max: 30 }), { nil: null }),
      gender: fc.option(fc.constantFrom(...genders), { nil: null }),
      zodiacSign: fc.option(fc.constantFrom(...signs), { nil: null }),
      expertise: fc.subarray(tags),
      reachable: fc.oneof(
        { arbitrary: fc.constant(true), weight: 4 },
        { arbitrary: fc.constant(false), weight: 1 },
      ),
      idleSince: dateArb,
      lastOfferedAt: dateArb,
      callsTaken: fc.nat({ max: 20 }),
      talkSeconds: fc.nat({ max: 20_000 }),
    }),
    { maxLength: 14 },
  )
  .map((rows) =>
    rows.map((row, i) => ({
      id: `r${String(i).padStart(2, '0')}`,
      name: `Rep ${i}`,
      extension: String(1000 + i),
      dialString: row.reachable ? `user/${1000 + i}` : null,
      queues: row.queues,
      partnerId:
        row.partner !== null && row.partner < rows.length && row.partner !== i
          ? `r${String(row.partner).padStart(2, '0')}`
          : null,
      gender: row.gender,
      zodiacSign: row.zodiacSign,
      expertise: row.expertise,
      idleSince: row.idleSince,
      lastOfferedAt: row.lastOfferedAt,
      callsTaken: row.callsTaken,
      talkSeconds: row.talkSeconds,
    })),
  )

const preferencesArb: fc.Arbitrary<CallerPreferences> = fc.record(
  {
    gender: fc.constantFrom(...genders),
    zodiac_sign: fc.constantFrom(...signs),
    expertise: fc.constantFrom(...tags),
    extension: fc.integer({ min: 1000, max: 1016 }).map(String),
  },
  { requiredKeys: [] },
)

const neededArb = fc.constantFrom<1 | 2 | 3>(1, 2, 3)
const seededRandom = (seed: number) => {
  let state = seed >>> 0 || 1
  return () => {
    // xorshift32: enough for shuffling in a test, and the same every run
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 2 ** 32
  }
}

describe('matching: properties', () => {
  it('never offers a representative twice, nor one outside the queue, unreachable or not matching', () => {
    fc.assert(
      fc.property(
        teamArb,
        neededArb,
        preferencesArb,
        fc.constantFrom(...strategies),
        fc.integer(),
        (team, needed, preferences, strategy, seed) => {
          const chosen = chooseRepresentatives(team, {
            needed,
            preferences,
            strategy,
            random: seededRandom(seed),
          })
          if (!chosen) return
          expect(chosen).toHaveLength(needed)
          expect(new Set(chosen.map((c) => c.id)).size).toBe(needed)
          for (const c of chosen) {
            expect(team).toContain(c)
            expect(c.queues).toContain(queueFor[needed])
            expect(c.dialString).toBeTruthy()
            expect(matchesAttributes(c, preferences)).toBe(true)
          }
          if (preferences.extension) expect(chosen.map((c) => c.extension)).toContain(preferences.extension)
        },
      ),
    )
  })

  it('finds a team whenever enough representatives match (and the extension asked for is among them)', () => {
    fc.assert(
      fc.property(
        teamArb,
        neededArb,
        preferencesArb,
        fc.constantFrom(...strategies),
        (team, needed, preferences, strategy) => {
          const pool = eligible(team, { needed, preferences })
          const namedFree = !preferences.extension || pool.some((c) => c.extension === preferences.extension)
          const chosen = chooseRepresentatives(team, { needed, preferences, strategy })
          expect(chosen !== null).toBe(pool.length >= needed && namedFree)
        },
      ),
    )
  })

  it('brings the first one’s free twin along on dual and triple calls', () => {
    fc.assert(
      fc.property(
        teamArb,
        fc.constantFrom<2 | 3>(2, 3),
        fc.constantFrom(...strategies),
        fc.integer(),
        (team, needed, strategy, seed) => {
          const chosen = chooseRepresentatives(team, {
            needed,
            preferences: {},
            strategy,
            random: seededRandom(seed),
          })
          const first = chosen?.[0]
          if (!chosen || !first) return
          const pool = eligible(team, { needed, preferences: {} })
          const twins = pool.filter(
            (o) => o.id !== first.id && (o.id === first.partnerId || o.partnerId === first.id),
          )
          // the first one's twins come right after them, as many as fit
          if (twins.length) expect(twins.map((t) => t.id)).toContain(chosen[1]?.id)
        },
      ),
    )
  })

  it('the deterministic strategies offer the right one first', () => {
    const key: Record<Exclude<Strategy, 'random'>, (c: Candidate) => number> = {
      longest_idle: (c) => c.idleSince?.getTime() ?? Number.POSITIVE_INFINITY,
      fewest_calls: (c) => c.callsTaken,
      least_talk_time: (c) => c.talkSeconds,
      round_robin: (c) => c.lastOfferedAt?.getTime() ?? Number.NEGATIVE_INFINITY,
    }
    fc.assert(
      fc.property(
        teamArb,
        fc.constantFrom('longest_idle', 'fewest_calls', 'least_talk_time', 'round_robin') as fc.Arbitrary<
          Exclude<Strategy, 'random'>
        >,
        (team, strategy) => {
          const chosen = chooseRepresentatives(team, { needed: 1, preferences: {}, strategy })
          const pool = eligible(team, { needed: 1, preferences: {} })
          if (!chosen?.[0]) {
            expect(pool).toHaveLength(0)
            return
          }
          const best = Math.min(...pool.map(key[strategy]))
          expect(key[strategy](chosen[0])).toBe(best)
          // the whole order is sorted by the strategy's key
          const order = orderByStrategy(pool, strategy).map(key[strategy])
          expect(order).toEqual([...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
        },
      ),
    )
  })

  it('random is a permutation, the same for the same seed', () => {
    fc.assert(
      fc.property(teamArb, fc.integer(), (team, seed) => {
        const once = orderByStrategy(team, 'random', seededRandom(seed)).map((c) => c.id)
        const again = orderByStrategy(team, 'random', seededRandom(seed)).map((c) => c.id)
        expect(once).toEqual(again)
        expect([...once].sort()).toEqual(team.map((c) => c.id).sort())
      }),
    )
  })
})

describe('matching: examples', () => {
  const rep = (id: string, over: Partial<Candidate> = {}): Candidate => ({
    id,
    name: id,
    extension: id.replace('r', '10'),
    dialString: `user/${id}`,
    queues: ['solo', 'dual', 'triple'],
    partnerId: null,
    gender: null,
    zodiacSign: null,
    expertise: [],
    idleSince: new Date(epoch),
    lastOfferedAt: null,
    callsTaken: 0,
    talkSeconds: 0,
    ...over,
  })

  it('twins are chosen together even when someone else has waited longer', () => {
    const team = [
      rep('r1', { idleSince: new Date(epoch), partnerId: 'r3' }),
      rep('r2', { idleSince: new Date(epoch + 1000) }),
      rep('r3', { idleSince: new Date(epoch + 2000) }),
    ]
    expect(
      chooseRepresentatives(team, { needed: 2, preferences: {}, strategy: 'longest_idle' })?.map((c) => c.id),
    ).toEqual(['r1', 'r3'])
    // a triple call: the pair, then the next in line
    expect(
      chooseRepresentatives(team, { needed: 3, preferences: {}, strategy: 'longest_idle' })?.map((c) => c.id),
    ).toEqual(['r1', 'r3', 'r2'])
  })

  it('a named extension on a dual call: that representative, then their twin', () => {
    const team = [rep('r1'), rep('r2', { partnerId: 'r3' }), rep('r3')]
    expect(
      chooseRepresentatives(team, {
        needed: 2,
        preferences: { extension: '102' },
        strategy: 'longest_idle',
      })?.map((c) => c.id),
    ).toEqual(['r2', 'r3'])
    expect(
      chooseRepresentatives(team, { needed: 1, preferences: { extension: '109' }, strategy: 'longest_idle' }),
    ).toBeNull()
  })

  it('round robin offers the never-offered first, then whoever was offered longest ago', () => {
    const team = [
      rep('r1', { lastOfferedAt: new Date(epoch + 5000) }),
      rep('r2', { lastOfferedAt: new Date(epoch) }),
      rep('r3'),
    ]
    expect(orderByStrategy(team, 'round_robin').map((c) => c.id)).toEqual(['r3', 'r2', 'r1'])
  })
})
