// Test support for the rules core: a captured-request builder and an in-memory FactSources that
// answers from arrays of usage events and list entries, the way server/'s SQL does from tables.
import type { AllowanceState } from '../../rules/outcome.ts'
import type { CapturedCard, CapturedRequest } from '../../rules/request.ts'
import type { EventType, ListKind, ListSubject, UsageSubject } from '../../rules/schema.ts'
import type { DecisionContext, FactSources, FiredEvent, UsageTotals } from '../../rules/types.ts'
import type { TimeRange } from '../../rules/windows.ts'

export interface UsageEvent {
  /** the identities the event is recorded under, as a usage_events row carries them */
  keys: Partial<Record<UsageSubject, string>>
  occurredAt: Date
  sessions?: number
  purchases?: number
  seconds?: number
  /** minor units */
  amount?: number
  currency?: string
}

export interface ListEntry {
  kind: ListKind
  subject: ListSubject
  value: string
}

export interface UsageCall {
  subject: UsageSubject
  value: string
  ranges: TimeRange[]
  currency: string
}

export interface ListCall {
  subject: ListSubject
  values: string[]
}

/** FactSources over arrays, counting only what happened before `asOf`. Records every call it gets. */
export class InMemorySources implements FactSources {
  readonly usageCalls: UsageCall[] = []
  readonly listCalls: ListCall[] = []
  private readonly events: UsageEvent[]
  private readonly entries: ListEntry[]
  private readonly asOf: Date
  private readonly delayMs: (call: number) => number
  private calls = 0

  constructor(options: {
    asOf: Date
    usage?: UsageEvent[]
    lists?: ListEntry[]
    /** how long the n-th call (of either kind) takes to answer, to interleave concurrent runs */
    delayMs?: (call: number) => number
  }) {
    this.asOf = options.asOf
    this.events = options.usage ?? []
    this.entries = options.lists ?? []
    this.delayMs = options.delayMs ?? (() => 0)
  }

  async usage(subject: UsageSubject, value: string, ranges: TimeRange[], currency: string) {
    this.usageCalls.push({ subject, value, ranges, currency })
    await this.pause()
    return ranges.map((range): UsageTotals => {
      const counted = this.events.filter(
        (e) =>
          e.keys[subject] === value &&
          e.occurredAt >= range.start &&
          e.occurredAt < range.end &&
          e.occurredAt < this.asOf,
      )
      const oldest = counted.reduce<Date | null>(
        (min, e) => (min === null || e.occurredAt < min ? e.occurredAt : min),
        null,
      )
      return {
        sessions: counted.reduce((sum, e) => sum + (e.sessions ?? 0), 0),
        purchases: counted.reduce((sum, e) => sum + (e.purchases ?? 0), 0),
        seconds: counted.reduce((sum, e) => sum + (e.seconds ?? 0), 0),
        amount: counted.filter((e) => e.currency === currency).reduce((sum, e) => sum + (e.amount ?? 0), 0),
        oldest,
      }
    })
  }

  async listHits(subject: ListSubject, values: string[]) {
    this.listCalls.push({ subject, values })
    await this.pause()
    return new Set(
      this.entries.filter((e) => e.subject === subject && values.includes(e.value)).map((e) => e.kind),
    )
  }

  private async pause(): Promise<void> {
    const ms = this.delayMs(this.calls++)
    await new Promise<void>((resolve) => setTimeout(resolve, ms))
  }
}

export const ani = '+15555550100'
export const otherPhone = '+15555550199'
export const customerId = 'c-81'

const goodCard: CapturedCard = {
  bin: '424242',
  last4: '4242',
  brand: 'visa',
  fingerprint: 'pmf_good',
  luhn_valid: true,
  exp_month: 12,
  exp_year: 2030,
}

/** A clean phone session by a known customer whose entered number is the forwarded one. */
export function capturedRequest(
  overrides: {
    kind?: CapturedRequest['kind']
    channel?: CapturedRequest['channel']
    amount?: CapturedRequest['amount']
    customer?: Partial<CapturedRequest['customer']>
    network?: Partial<CapturedRequest['network']>
    entered?: Partial<CapturedRequest['entered']>
    card?: Partial<CapturedCard> | null
    items?: CapturedRequest['items']
  } = {},
): CapturedRequest {
  return {
    kind: overrides.kind ?? 'session',
    channel: overrides.channel ?? 'phone',
    amount: overrides.amount === undefined ? { value: 5000, currency: 'USD' } : overrides.amount,
    customer: {
      id: customerId,
      email: 'ann@example.com',
      phone: ani,
      name: 'Ann Lee',
      birth_date: null,
      ...overrides.customer,
    },
    network: { ip: null, ani, dnis: '+18005550199', device_id: null, ...overrides.network },
    entered: { phone: ani, ip: null, ...overrides.entered },
    payment_method:
      overrides.card === null
        ? null
        : {
            type: 'card',
            card: { ...goodCard, ...overrides.card },
            billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
          },
    items: overrides.items ?? [],
  }
}

export function decisionContext(
  sources: FactSources,
  now: Date,
  request: CapturedRequest = capturedRequest(),
  timeZone = 'America/New_York',
): DecisionContext {
  return { request, now, timeZone, sources, customer: { id: request.customer.id, returning: true } }
}

/** A fired event of the given type with params that fit it. */
export function firedEvent(type: EventType, ruleId = `${type}-rule`): FiredEvent {
  const reasoned = { reason_code: type, message: `${type} from ${ruleId}` }
  const params: Record<EventType, Record<string, unknown>> = {
    block: reasoned,
    temporary_block: { ...reasoned, retry_after_seconds: 30 },
    review: reasoned,
    limit: reasoned,
    allowance: {
      subject: 'customer',
      metric: 'sessions',
      window: 'day',
      limit: 2,
      message: 'two a day',
    },
    discount: { code: `${ruleId}-code`, percent_off: 10, message: 'ten off' },
    offer: { sku: `${ruleId}-offer`, weight: 1, message: 'try this' },
    treatment: { segment: 'senior', style: 'detailed', message: 'older customers' },
  }
  return { ruleId, ruleName: ruleId, type, params: params[type] }
}

export function allowanceState(
  state: Pick<AllowanceState, 'metric' | 'limit' | 'used'> & Partial<AllowanceState>,
): AllowanceState {
  return {
    ruleId: `${state.metric}-allowance`,
    ruleName: `${state.metric} allowance`,
    subject: 'customer',
    subjectLabel: 'the customer',
    window: 'day',
    resetsAt: new Date('2024-03-11T04:00:00Z'),
    message: `${state.metric} allowance`,
    ...state,
  }
}
