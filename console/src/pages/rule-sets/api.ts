// Rule sets: versions and their lifecycle, diff, simulation, backtests, shadow runs and the fact
// catalog the rule builder offers — every /admin/v1 call the rule-set pages make.
import type { RequestBody, ResponseBody, Schema } from '../../api/types.ts'
import { api, request } from '../../lib/api.ts'

export type VersionSummary = Schema<'RuleSetVersionSummary'>
export type VersionStatus = VersionSummary['status']
export type Person = NonNullable<VersionSummary['created_by']>
export type RuleSetSummary = Schema<'RuleSetSummary'>
export type RuleSet = Schema<'RuleSet'>
export type VersionDetail = Schema<'RuleSetVersion'>
export type Diff = Schema<'RuleSetDiff'>
export type ValueChange = Diff['settings'][number]
export type RuleRef = Diff['rules']['added'][number]

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

type CatalogBody = ResponseBody<'/admin/v1/facts', 'get'>
/** The catalog as the forms read it: the document leaves each params schema open. */
export type CatalogFact = Omit<CatalogBody['facts'][number], 'params'> & { params: JsonSchema | null }
export type CatalogEvent = Omit<CatalogBody['events'][number], 'params'> & { params: JsonSchema }
export interface Catalog {
  facts: CatalogFact[]
  events: CatalogEvent[]
}

export type SimulationInput = RequestBody<'/admin/v1/rule-sets/{id}/versions/{version}/simulate', 'post'>
export type SimulationRequest = NonNullable<SimulationInput['request']>
export type Simulation = Schema<'Simulation'>
export type Backtest = Schema<'Backtest'>
export type OutcomeMatrix = Backtest['matrix']
export type RuleHit = Backtest['rule_hits'][number]
export type ChangedDecision = Schema<'ChangedDecision'>
export type ShadowReport = ResponseBody<'/admin/v1/rule-sets/{id}/shadow', 'get'>

const ruleSetPath = (id: string) => `/rule-sets/${encodeURIComponent(id)}`
const versionPath = (id: string, version: number) => `${ruleSetPath(id)}/versions/${version}`

export const listRuleSets = () =>
  api.get<ResponseBody<'/admin/v1/rule-sets', 'get'>>('/rule-sets').then((body) => body.rule_sets)
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
  api.post<ResponseBody<'/admin/v1/rule-sets/{id}/versions/{version}/shadow', 'post'>>(
    `${versionPath(id, version)}/shadow`,
    {
      enabled,
    },
  )

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
  api.get<ResponseBody<'/admin/v1/backtests/{id}/changes', 'get'>>(
    `/backtests/${encodeURIComponent(id)}/changes`,
    { page, page_size: pageSize },
  )
export const cancelBacktest = (id: string) =>
  api.post<Backtest>(`/backtests/${encodeURIComponent(id)}/cancel`, undefined)
export const listBacktests = (ruleSetId: string) =>
  api
    .get<ResponseBody<'/admin/v1/rule-sets/{id}/backtests', 'get'>>(`${ruleSetPath(ruleSetId)}/backtests`)
    .then((body) => body.backtests)

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
