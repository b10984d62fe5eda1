// Identity checks beyond entered-vs-network (figures 4, 8, 9): whether the device is one this
// customer used before, and how many identity mismatches this customer, phone or address had lately,
// so a rule set can say "a mismatch is a temporary block; the third within an hour is a block".
import { z } from 'zod'
import type { ConditionTrace, FactRun, FactSpec, FiredRule } from '../types.ts'
import { type MismatchSubject, mismatchSubjects } from './check-sources.ts'
import { once } from './memo.ts'
import { DATA_FACT_PRIORITY } from './priority.ts'

function fact<P extends z.ZodType>(spec: FactSpec<P>): FactSpec {
  return spec as unknown as FactSpec
}

const recentMismatchParams = z
  .object({
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .describe('the window: the last N hours before this request'),
    subject: z
      .enum(mismatchSubjects)
      .optional()
      .describe('whose earlier mismatches count: the customer (default), the phone or the IP address'),
  })
  .strict()

function mismatchSubjectValue(subject: MismatchSubject, run: FactRun): string | null {
  const r = run.ctx.request
  switch (subject) {
    case 'customer':
      return run.ctx.customer.id
    case 'phone':
      return r.network.ani ?? r.customer.phone
    case 'ip':
      return r.network.ip
  }
}

export const identityFacts: FactSpec[] = [
  fact({
    name: 'device_known',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description:
      'The device id was seen with this customer before this request (null when there is no device id or no customer)',
    valueType: 'boolean',
    resolve: (_p, run) => {
      const customerId = run.ctx.customer.id
      const deviceId = run.ctx.request.network.device_id
      const seenBefore = run.ctx.sources.deviceSeenBefore?.bind(run.ctx.sources)
      if (!customerId || !deviceId || !seenBefore) return null
      return once(run, 'device_known', () => seenBefore(customerId, deviceId, run.ctx.now))
    },
  }),
  fact({
    name: 'customer_verified',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description:
      'The customer was approved before this request, by the rules or by a reviewer: false for a customer first seen now, and for one only ever sent to review or blocked (null when it cannot be known)',
    valueType: 'boolean',
    resolve: (_p, run) => {
      const customerId = run.ctx.customer.id
      if (!run.ctx.customer.returning) return false
      const verified = run.ctx.sources.customerVerified?.bind(run.ctx.sources)
      if (!customerId || !verified) return null
      return once(run, 'customer_verified', () => verified(customerId, run.ctx.now))
    },
  }),
  fact({
    name: 'recent_mismatches',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description:
      'How many earlier decisions of this customer (or phone, or IP) in the last N hours were temporarily blocked for an identity mismatch: an entered phone or IP that differed, or an unknown device',
    valueType: 'number',
    params: recentMismatchParams,
    resolve: (p, run) => {
      const subject = p.subject ?? 'customer'
      const value = mismatchSubjectValue(subject, run)
      const count = run.ctx.sources.recentMismatches?.bind(run.ctx.sources)
      if (!value || !count) return 0
      const since = new Date(run.ctx.now.getTime() - p.hours * 3_600_000)
      return once(run, `mismatches:${subject}:${p.hours}`, () => count(subject, value, since))
    },
  }),
]

/** The identity checks whose "false" makes a temporary block a mismatch, and what each is about. */
const identityCheckFacts: Record<string, 'phone' | 'ip' | 'device'> = {
  entered_phone_matches_ani: 'phone',
  entered_ip_matches_network_ip: 'ip',
  device_known: 'device',
}

function mismatchOf(condition: ConditionTrace): 'phone' | 'ip' | 'device' | null {
  const kind = identityCheckFacts[condition.fact]
  return kind && condition.result && condition.fact_value === false ? kind : null
}

/**
 * What a decision's fired rules say did not match: the identity checks that read false in a
 * temporary block that fired. Recorded with the decision, counted by recent_mismatches.
 */
export function identityMismatchKinds(fired: FiredRule[]): ('phone' | 'ip' | 'device')[] {
  const kinds = new Set<'phone' | 'ip' | 'device'>()
  for (const rule of fired) {
    if (rule.type !== 'temporary_block') continue
    for (const condition of rule.conditions) {
      const kind = mismatchOf(condition)
      if (kind) kinds.add(kind)
    }
  }
  return [...kinds].sort()
}
