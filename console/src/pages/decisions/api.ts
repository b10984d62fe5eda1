// Decisions: search, one decision in full, and the fact catalog that names what the engine read.

import type { QueryParams, ResponseBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type Money = NonNullable<DecisionSummary['amount']>
export type DecisionSummary = Schema<'DecisionSummary'>
/** The filters as the page keeps them: the outcome is text from the address bar, which the server checks. */
export type DecisionSearch = Omit<QueryParams<'/admin/v1/decisions', 'get'>, 'outcome'> & { outcome?: string }
export type DecisionPage = ResponseBody<'/admin/v1/decisions', 'get'>
export type MerchantDecision = Schema<'Decision'>
export type Reason = MerchantDecision['reasons'][number]
/** The request as the engine captured it; the card is only BIN, last four, brand and fingerprint. */
export type CapturedRequest = Schema<'CapturedRequest'>
export type FactReading = Schema<'FactReading'>
export type FiredRule = Schema<'FiredRule'>
export type ConditionResult = FiredRule['conditions'][number]
export type DecisionDetail = ResponseBody<'/admin/v1/decisions/{id}', 'get'>
/** What an explanation shows of a fact: its name in words and the type of its value. */
export type FactDescription = Pick<Schema<'Fact'>, 'name' | 'description' | 'value_type'>

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
