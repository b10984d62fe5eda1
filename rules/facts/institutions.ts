// Institutions and line types (figures 4, 8, 9: "pay phones, prisons, schools … from which calls may
// be blocked"): what the calling number and the connecting address belong to, from the reference
// data staff load. A string fact reads best in rules: line_type in [prison, pay_phone].
import type { FactRun, FactSpec } from '../types.ts'
import { institutionCategories, type ReferenceKind } from './check-sources.ts'
import { once } from './memo.ts'
import { DATA_FACT_PRIORITY } from './priority.ts'

function fact(spec: FactSpec): FactSpec {
  return spec
}

function category(run: FactRun, kind: ReferenceKind, value: string | null): Promise<string | null> {
  const lookup = run.ctx.sources.referenceCategory?.bind(run.ctx.sources)
  if (!value || !lookup) return Promise.resolve(null)
  return once(run, `reference:${kind}:${value}`, () => lookup(kind, value))
}

const categories = institutionCategories.join(', ')

export const institutionFacts: FactSpec[] = [
  fact({
    name: 'line_type',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description: `What the calling number is — the ANI, else the customer’s phone — by the longest number prefix in the reference data: ${categories}; null when unknown`,
    valueType: 'string',
    resolve: (_p, run) =>
      category(run, 'phone_prefix', run.ctx.request.network.ani ?? run.ctx.request.customer.phone),
  }),
  fact({
    name: 'entered_phone_line_type',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description: `What the phone number the caller entered is, by the reference data: ${categories}; null when unknown`,
    valueType: 'string',
    resolve: (_p, run) => category(run, 'phone_prefix', run.ctx.request.entered.phone),
  }),
  fact({
    name: 'ip_institution',
    priority: DATA_FACT_PRIORITY,
    prefetch: true,
    description: `What the network address belongs to, by the narrowest IP range in the reference data: ${categories}; null when unknown`,
    valueType: 'string',
    resolve: (_p, run) => category(run, 'ip_range', run.ctx.request.network.ip),
  }),
]
