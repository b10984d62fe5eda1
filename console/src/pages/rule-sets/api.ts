// Rule sets: versions and their lifecycle, diff, simulation, backtests, shadow runs and the fact
// catalog the rule builder offers — every /admin/v1 call the rule-set pages make.
import { api, type FieldProblem, request } from '../../lib/api.ts'
import type { Outcome } from '../../lib/format.ts'
import type { FiredRule, MerchantDecision } from '../decisions/api.ts'

export type VersionStatus = 'draft' | 'published' | 'active' | 'shadow' | 'archived'

export interface Person {
  id: string
  email: string | null
}

export interface VersionSummary {
  version: number
  status: VersionStatus
  based_on: number | null
  created_by: Person | null
  created_at: string
  last_edited_by: Person | null
  updated_at: string
  published_by: Person | null
  published_at: string | null
}

interface RuleSetFields {
  id: string
  name: string
  description: string
  four_eyes: boolean
  active_version: number | null
  shadow_version: number | null
  decides_authorizations: boolean
  created_at: string
  updated_at: string
}

export interface RuleSetSummary extends RuleSetFields {
  versions: { total: number; draft: number; published: number; archived: number }
}

export interface RuleSet extends RuleSetFields {
  versions: VersionSummary[]
}

export interface VersionDetail extends VersionSummary {
  rule_set_id: string
  definition: unknown
  valid: boolean
  problems: FieldProblem[]
}

export interface ValueChange {
  path: (string | number)[]
  kind: 'added' | 'removed' | 'changed'
  old: unknown
  new: unknown
}

export interface RuleRef {
  id: string
  name: string | null
}

export interface Diff {
  from: number
  to: number
  settings: ValueChange[]
  rules: {
    added: RuleRef[]
    removed: RuleRef[]
    changed: (RuleRef & { changes: ValueChange[] })[]
    unchanged: number
  }
}

/** A JSON Schema as the server emits it for params (zod's toJSONSchema): the parts the forms read. */
export interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  description?: string
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  pattern?: string
}

export interface CatalogFact {
  name: string
  description: string
  value_type: 'number' | 'string' | 'boolean'
  operators: string[]
  params: JsonSchema | null
}

export interface CatalogEvent {
  type: string
  description: string
  params: JsonSchema
}

export interface Catalog {
  facts: CatalogFact[]
  events: CatalogEvent[]
}

export interface SimulationRequest {
  kind: 'purchase' | 'session'
  channel: 'web' | 'phone' | 'chat' | 'video'
  amount?: { value: number; currency: string }
  customer?: { id?: string; email?: string; phone?: string; name?: string }
  network?: { ip?: string; ani?: string | null; device_id?: string }
  entered?: { phone?: string; ip?: string }
  payment_method?: {
    type: 'card'
    card?: { number: string; exp_month: number; exp_year: number; cvc?: string }
    billing_address?: { line1?: string; postal_code?: string; country?: string }
  }
}

export interface SimulationInput {
  request?: SimulationRequest
  facts?: Record<string, number | string | boolean | null>
  at?: string
}

export interface Simulation
  extends Pick<
    MerchantDecision,
    'outcome' | 'reasons' | 'limits' | 'discounts' | 'offers' | 'customer' | 'retry_after_seconds'
  > {
  rule_set: { id: string; version: number; status: string }
  at: string
  fired_rules: FiredRule[]
  request: { amount?: { currency?: string } | null } | null
  facts: { fact: string; params: Record<string, unknown> | null; value: unknown; given: boolean }[]
  allowances: {
    rule: string
    subject: string
    metric: string
    window: string
    hours: number | null
    limit: number
    used: number
    remaining: number
    resets_at: string | null
  }[]
}

export type OutcomeMatrix = Record<string, Record<string, number>>

export interface RuleHit {
  rule: string
  hits: number
}

export interface Backtest {
  id: string
  rule_set_id: string
  version: number
  from: string
  to: string
  sample_rate: number | null
  status: 'queued' | 'running' | 'completed' | 'cancelled' | 'failed'
  progress: {
    percent: number
    processed: number
    total: number
    changed: number
    decisions_per_second: number | null
  }
  matrix: OutcomeMatrix
  rule_hits: RuleHit[]
  error: string | null
  created_by: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export interface ChangedDecision {
  decision_id: string
  decided_at: string
  old_outcome: Outcome
  new_outcome: Outcome
  /** backtests: the rules whose outcome changed it (effect says which way); shadow: every rule that fired */
  rules: { id: string; name: string; type: string; effect?: 'now' | 'no_longer' }[]
}

export interface ShadowReport {
  rule_set_id: string
  version: number | null
  active: boolean
  evaluated: number
  changed: number
  matrix: OutcomeMatrix
  rule_hits: RuleHit[]
  changes: { page: number; page_size: number; items: ChangedDecision[] }
}

const ruleSetPath = (id: string) => `/rule-sets/${encodeURIComponent(id)}`
const versionPath = (id: string, version: number) => `${ruleSetPath(id)}/versions/${version}`

export const listRuleSets = () =>
  api.get<{ rule_sets: RuleSetSummary[] }>('/rule-sets').then((body) => body.rule_sets)
export const readRuleSet = (id: string) => api.get<RuleSet>(ruleSetPath(id))
export const readVersion = (id: string, version: number) => api.get<VersionDetail>(versionPath(id, version))

/** Renames or describes a rule set; switching four eyes needs an admin. */
export const updateRuleSet = (
  id: string,
  patch: { name?: string; description?: string; four_eyes?: boolean },
) => request<RuleSet>('PATCH', ruleSetPath(id), { body: patch })
export const createDraft = (id: string, fromVersion?: number) =>
  api.post<VersionDetail>(
    `${ruleSetPath(id)}/versions`,
    fromVersion === undefined ? {} : { from_version: fromVersion },
  )
export const saveDraft = (id: string, version: number, definition: unknown) =>
  request<VersionDetail>('PUT', versionPath(id, version), { body: { definition } })
export const publishVersion = (id: string, version: number) =>
  api.post<VersionDetail>(`${versionPath(id, version)}/publish`, undefined)
export const activateVersion = (id: string, version: number) =>
  api.post<RuleSet>(`${versionPath(id, version)}/activate`, undefined)
export const rollBack = (id: string, version: number) =>
  api.post<RuleSet>(`${ruleSetPath(id)}/rollback`, { version })
export const archiveVersion = (id: string, version: number) =>
  api.post<VersionDetail>(`${versionPath(id, version)}/archive`, undefined)
export const setShadow = (id: string, version: number, enabled: boolean) =>
  api.post<{ rule_set_id: string; shadow_version: number | null }>(`${versionPath(id, version)}/shadow`, {
    enabled,
  })

export const readDiff = (id: string, from: number, to: number) =>
  api.get<Diff>(`${ruleSetPath(id)}/diff`, { from, to })

export const simulate = (id: string, version: number, input: SimulationInput) =>
  api.post<Simulation>(`${versionPath(id, version)}/simulate`, input)

export const startBacktest = (
  id: string,
  input: { version: number; from: string; to: string; sample_rate?: number },
) => api.post<Backtest>(`${ruleSetPath(id)}/backtests`, input)
export const readBacktest = (id: string) => api.get<Backtest>(`/backtests/${encodeURIComponent(id)}`)
export const readBacktestChanges = (id: string, page: number, pageSize = 50) =>
  api.get<{ page: number; page_size: number; total: number; changes: ChangedDecision[] }>(
    `/backtests/${encodeURIComponent(id)}/changes`,
    { page, page_size: pageSize },
  )
export const cancelBacktest = (id: string) =>
  api.post<Backtest>(`/backtests/${encodeURIComponent(id)}/cancel`, undefined)
export const listBacktests = (ruleSetId: string) =>
  api.get<{ backtests: Backtest[] }>(`${ruleSetPath(ruleSetId)}/backtests`).then((body) => body.backtests)

export const readShadowReport = (id: string, version: number | undefined, page = 1) =>
  api.get<ShadowReport>(`${ruleSetPath(id)}/shadow`, { version, page })

let catalog: Promise<Catalog> | undefined
/** The fact and event catalog, fetched once per page load: it changes only with a server release. */
export function readCatalog(): Promise<Catalog> {
  catalog ??= api.get<Catalog>('/facts').catch((error: unknown) => {
    catalog = undefined
    throw error
  })
  return catalog
}
