// The types the decision core's modules share: what a fact is and what it reads (FactSpec, FactRun,
// FactSources), what a run leaves behind (fired rules, fact readings) and a purchase value limit.
// One module that imports only leaves, so the catalog, its fact modules, the engine and outcome
// resolution can each name them without importing one another.
import type { z } from 'zod'
import type { CheckSources } from './facts/check-sources.ts'
import type { ProviderSources } from './facts/providers.ts'
import type { CapturedRequest } from './request.ts'
import type { EventType, ListKind, ListSubject, UsageSubject } from './schema.ts'
import type { TimeRange, WindowSpec } from './windows.ts'

export interface UsageTotals {
  sessions: number
  purchases: number
  seconds: number
  /** minor units, in the rule set's currency only */
  amount: number
  /** the oldest counted event, to tell when a rolling window frees up */
  oldest: Date | null
}

export interface FactSources extends CheckSources, ProviderSources {
  /** Totals for one subject over several ranges in one round trip, counting only what happened before the decision time. */
  usage(subject: UsageSubject, value: string, ranges: TimeRange[], currency: string): Promise<UsageTotals[]>
  /** Which list kinds hold any of these values for the subject, as of the decision time. */
  listHits(subject: ListSubject, values: string[]): Promise<Set<ListKind>>
  /** The customer's purchase value limit in force at this time, if any; absent sources know none. */
  purchaseValueLimit?(customerId: string, at: Date): Promise<PurchaseValueLimit | null>
}

export interface DecisionContext {
  request: CapturedRequest
  /** the decision time: live decisions use now, backtests the recorded time */
  now: Date
  /** read every database-backed fact the rule set uses up front, in one round trip (live decisions) */
  prefetch?: boolean
  timeZone: string
  customer: { id: string | null; returning: boolean }
  sources: FactSources
  /**
   * Given values that take the place of resolving a fact (simulation against raw fact values).
   * Consulted before the resolver; also supplies an allowance's usage as the usage fact would.
   */
  factOverrides?: (fact: string, params: Record<string, unknown> | null) => { value: unknown } | undefined
}

export type ValueType = 'number' | 'string' | 'boolean'

/** What one evaluation knows beyond the request: memoized loaders shared by every fact of the run. */
export interface FactRun {
  ctx: DecisionContext
  currency: string
  usage(subject: UsageSubject, spec: WindowSpec): Promise<UsageTotals>
  listHits(subject: ListSubject): Promise<Set<ListKind>>
  /** the customer's purchase value limit in force, loaded once per run */
  purchaseValueLimit(): Promise<PurchaseValueLimit | null>
}

export interface FactSpec<P extends z.ZodType = z.ZodType> {
  name: string
  description: string
  valueType: ValueType
  params?: P
  /** json-rules-engine's fact priority: higher is evaluated sooner within a rule (default 10) */
  priority?: number
  /**
   * A lookup in our own database, cheap and free of side effects: a live decision reads every such
   * fact its rule set uses at once, in one round trip, instead of one priority after another.
   * Never set for calls to outside services (the gateway, data providers), which stay lazy.
   */
  prefetch?: true
  /**
   * Known from the request and the identified customer alone, synchronously and without params:
   * the engine reads such facts before it runs, to leave out the rules they already rule out.
   */
  fromRequest?: true
  resolve(params: z.infer<P>, run: FactRun): unknown
}

/** A fact's value as the run read it, kept with the decision for explanations and replays. */
export interface FactReading {
  fact: string
  params: Record<string, unknown> | null
  value: unknown
}

/** One condition of a fired rule: what it compared and how it came out. */
export interface ConditionTrace {
  fact: string
  params: Record<string, unknown> | null
  operator: string
  value: unknown
  fact_value: unknown
  result: boolean
}

/** A rule's event as outcome resolution sees it. */
export interface FiredEvent {
  ruleId: string
  ruleName: string
  type: EventType
  params: Record<string, unknown>
}

/** A rule that fired, with the conditions that made it fire. */
export interface FiredRule {
  id: string
  name: string
  type: EventType
  params: Record<string, unknown>
  conditions: ConditionTrace[]
}

export interface PurchaseValueLimit {
  /** the most one purchase may be worth, minor units */
  amount: number
  currency: string
  expires_at: Date
}

/** The limit as a decision returns it. */
export interface PurchaseValueLimitView {
  amount: number
  currency: string
  expires_at: string
  /** true when this decision established it */
  established: boolean
}
