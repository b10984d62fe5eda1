// Decisions: search, one decision in full, and the fact catalog that names what the engine read.
import { api } from '../../lib/api.ts'
import type { Outcome } from '../../lib/format.ts'

export interface Money {
  value: number
  currency: string
}

export interface DecisionSummary {
  id: string
  created_at: string
  kind: string
  channel: string
  outcome: Outcome
  amount: Money | null
  customer_id: string | null
  customer_ref: string | null
  email: string | null
  phone: string | null
  card: { brand: string; last4: string } | null
  rule_set: { id: string; version: number } | null
  fired_rules: string[]
  evaluation_ms: number
}

export interface DecisionSearch {
  q?: string
  outcome?: string
  rule?: string
  from?: string
  to?: string
  cursor?: string
  limit?: number
}

export interface DecisionPage {
  decisions: DecisionSummary[]
  next_cursor: string | null
}

export interface Reason {
  rule: string
  type: string
  message: string
  reason_code?: string
  remaining?: number
  resets_at?: string
}

export interface MerchantDecision {
  id: string
  outcome: Outcome
  reasons: Reason[]
  limits: { max_amount: number | null; max_duration_seconds: number | null; resets_at: string | null }
  retry_after_seconds?: number | null
  discounts: {
    rule: string
    code: string
    percent_off: number | null
    amount_off: number | null
    message: string
  }[]
  offers: { rule: string; offer_id: string; name: string; price: number; message: string }[]
  customer: { id: string; returning: boolean } | null
  payment_method: {
    type: string
    brand: string | null
    last4: string | null
    fingerprint: string | null
  } | null
  rule_set: { id: string; version: number } | null
  resolution: { outcome: Outcome; note: string | null; resolved_at: string; resolved_by: string } | null
  created_at: string
}

/** The request as the engine captured it; the card is only BIN, last four, brand and fingerprint. */
export interface CapturedRequest {
  kind?: string
  channel?: string
  amount?: Money | null
  customer?: Record<string, string | null> | null
  network?: Record<string, string | null> | null
  entered?: Record<string, string | null> | null
  payment_method?: {
    type?: string
    card?: {
      bin?: string
      last4?: string
      brand?: string
      fingerprint?: string
      luhn_valid?: boolean
      exp_month?: number
      exp_year?: number
    } | null
    billing_address?: Record<string, string | null> | null
  } | null
  items?: { sku: string; quantity: number; unit_amount: number }[]
}

export interface FactReading {
  fact: string
  params: Record<string, unknown> | null
  value: unknown
}

export interface ConditionResult {
  fact: string
  params: Record<string, unknown> | null
  operator: string
  value: unknown
  fact_value: unknown
  result: boolean
}

export interface FiredRule {
  id: string
  name: string
  type: string
  params?: Record<string, unknown> | null
  conditions: ConditionResult[]
}

export interface DecisionDetail {
  decision: MerchantDecision
  request: CapturedRequest | null
  facts: FactReading[]
  fired_rules: FiredRule[]
  evaluation_ms: number
}

export interface FactDescription {
  name: string
  description: string
  value_type: 'number' | 'string' | 'boolean'
}

export const searchDecisions = (search: DecisionSearch, signal?: AbortSignal) =>
  api.get<DecisionPage>('/decisions', { limit: 50, ...search }, signal)

export const readDecision = (id: string) => api.get<DecisionDetail>(`/decisions/${encodeURIComponent(id)}`)

let factCatalog: Promise<Map<string, FactDescription>> | undefined
/** The fact catalog, fetched once per page load: it changes only with a server release. */
export function factDescriptions(): Promise<Map<string, FactDescription>> {
  factCatalog ??= api
    .get<{ facts: FactDescription[] }>('/facts')
    .then((body) => new Map(body.facts.map((f) => [f.name, f])))
    .catch((error: unknown) => {
      factCatalog = undefined
      throw error
    })
  return factCatalog
}
