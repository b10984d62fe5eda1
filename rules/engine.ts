// Evaluation of a rule-set version with json-rules-engine: compile once per version, then for each
// decision resolve facts lazily, run the rules, compute allowances and resolve the outcome.
import { type Almanac, Engine, Fact, type RuleProperties } from 'json-rules-engine'
import { providerFacts } from './facts/provider-facts.ts'
import {
  factCatalog,
  factsByName,
  listSubjectValues,
  usageSubjectLabel,
  usageSubjectValue,
  usageValue,
} from './facts.ts'
import { presentationOf } from './offers.ts'
import { type AllowanceState, type Resolution, resolveOutcome } from './outcome.ts'
import {
  establishPurchaseValueLimit,
  purchaseValueLimitEvent,
  viewPurchaseValueLimit,
} from './purchase-limit.ts'
import type {
  Condition,
  EventParams,
  ListKind,
  ListSubject,
  RuleSetDefinition,
  UsageSubject,
} from './schema.ts'
import type {
  ConditionTrace,
  DecisionContext,
  FactReading,
  FactRun,
  FactSpec,
  FiredRule,
  PurchaseValueLimit,
  UsageTotals,
} from './types.ts'
import { validateDefinition } from './validate.ts'
import { resolveWindow, type WindowSpec, windowKey } from './windows.ts'

export interface Evaluation {
  resolution: Resolution
  fired: FiredRule[]
  facts: FactReading[]
  allowances: AllowanceState[]
  /** a limit this approval establishes for the customer, for the caller to store */
  establishPurchaseValueLimit?: PurchaseValueLimit | undefined
}

export interface CompiledRuleSet {
  definition: RuleSetDefinition
  /** the subjects whose usage this version reads: their decisions must not run concurrently */
  usageSubjects: Set<UsageSubject>
  /** whether the version's enabled rules read any outside provider's fact */
  readsProviders: boolean
  evaluate(ctx: DecisionContext): Promise<Evaluation>
}

const RUN_FACT = '__run'
const emptyTotals: UsageTotals = { sessions: 0, purchases: 0, seconds: 0, amount: 0, oldest: null }

interface RunState extends FactRun {
  readings: FactReading[]
  /** facts read before the run (Guard), by factKey, already among the readings */
  known: Map<string, unknown>
}

type FactCondition = Extract<Condition, { fact: string }>

/**
 * Calls visit with every fact condition of the version's enabled deciding rules — not the treatment
 * rules, whose facts are read only in the second pass (evaluate), so nothing is prefetched for them.
 */
function eachFactCondition(definition: RuleSetDefinition, visit: (c: FactCondition) => void): void {
  const walk = (c: Condition): void => {
    if ('all' in c) c.all.forEach(walk)
    else if ('any' in c) c.any.forEach(walk)
    else if ('not' in c) walk(c.not)
    else visit(c)
  }
  for (const rule of definition.rules)
    if (rule.enabled && rule.event.type !== 'treatment') walk(rule.conditions)
}

/** Every usage window the version reads, per subject, so one query per subject answers them all. */
function collectWindows(definition: RuleSetDefinition): Map<UsageSubject, WindowSpec[]> {
  const bySubject = new Map<UsageSubject, Map<string, WindowSpec>>()
  const add = (subject: UsageSubject, spec: WindowSpec) => {
    const specs = bySubject.get(subject) ?? new Map<string, WindowSpec>()
    specs.set(windowKey(spec), { window: spec.window, hours: spec.hours })
    bySubject.set(subject, specs)
  }
  eachFactCondition(definition, (c) => {
    if (c.fact === 'usage' && c.params)
      add(c.params.subject as UsageSubject, c.params as unknown as WindowSpec)
  })
  for (const rule of definition.rules) {
    if (!rule.enabled) continue
    if (rule.event.type === 'allowance') {
      const p = rule.event.params as EventParams<'allowance'>
      add(p.subject, p)
    }
  }
  return new Map([...bySubject].map(([subject, specs]) => [subject, [...specs.values()]]))
}

// biome-ignore lint/suspicious/noExplicitAny: json-rules-engine's condition results are untyped
function traceConditions(node: any, out: ConditionTrace[]): void {
  if (!node) return
  for (const key of ['all', 'any'] as const)
    if (Array.isArray(node[key])) for (const c of node[key]) traceConditions(c, out)
  if (node.not) traceConditions(node.not, out)
  if (typeof node.fact === 'string' && 'factResult' in node) {
    out.push({
      fact: node.fact,
      params: node.params && Object.keys(node.params).length ? node.params : null,
      operator: node.operator,
      value: node.value,
      fact_value: node.factResult ?? null,
      result: Boolean(node.result),
    })
  }
}

/** A given value for the usage this allowance counts, when the caller supplied one. */
function usedByAllowance(ctx: DecisionContext, p: EventParams<'allowance'>): number | null {
  const params: Record<string, unknown> = { subject: p.subject, metric: p.metric, window: p.window }
  if (p.hours !== undefined) params.hours = p.hours
  const override = ctx.factOverrides?.('usage', params)
  return override && typeof override.value === 'number' ? override.value : null
}

type Rule = RuleSetDefinition['rules'][number]

/** How json-rules-engine itself compares a fact value with a condition's value. */
interface Comparison {
  evaluate(factValue: unknown, jsonValue: unknown): boolean
}
// the engine's own operators, so a guard compares exactly as the rule would
const operators = (new Engine() as unknown as { operators: { get(name: string): Comparison | undefined } })
  .operators

/** How a fact read with these params is known before and during a run. */
function factKey(name: string, params: Record<string, unknown> | null): string {
  return params ? `${name} ${JSON.stringify(params)}` : name
}

/**
 * A condition of a rule's top-level `all` that can be read before the run: a fact of the request
 * itself (FactSpec.fromRequest), or a database fact every decision of this version asks for anyway
 * (FactSpec.prefetch) when the run prefetches. Never an outside provider's fact: that is a call
 * the rule's other conditions may spare.
 */
interface Guard {
  spec: FactSpec
  params: Record<string, unknown> | null
  key: string
  operator: Comparison
  value: unknown
}

function guardsOf(rule: Rule): Guard[] {
  const conditions = rule.conditions
  if (!('all' in conditions)) return []
  const guards: Guard[] = []
  for (const c of conditions.all) {
    if (!('fact' in c)) continue
    const spec = factsByName.get(c.fact)
    const params = c.params && Object.keys(c.params).length ? (c.params as Record<string, unknown>) : null
    if (!spec || c.path || !(spec.prefetch || (spec.fromRequest && !params))) continue
    // a value of the form { fact: … } compares with another fact: the engine resolves that one
    if (c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value)) continue
    const operator = operators.get(c.operator)
    if (operator) guards.push({ spec, params, key: factKey(spec.name, params), operator, value: c.value })
  }
  return guards
}

/**
 * A fact whose cache key is its params as JSON. json-rules-engine hashes `{ id, params }` with
 * hash-it for every condition it evaluates; a catalog fact's params are a few plain strings and
 * numbers, so their JSON is key enough (params written in another key order only miss the cache,
 * and the resolvers below keep their own).
 */
class CatalogFact extends Fact {
  getCacheKey(params: Record<string, unknown> | undefined): string {
    return factKey(this.id, params && Object.keys(params).length ? params : null)
  }
}

function buildEngine(rules: Rule[]): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false })
  for (const spec of factCatalog) {
    engine.addFact(
      new CatalogFact(
        spec.name,
        async (params: Record<string, unknown>, almanac: Almanac) => {
          const run = (await almanac.factValue(RUN_FACT)) as RunState
          const givenParams = params && Object.keys(params).length ? params : null
          const key = factKey(spec.name, givenParams)
          if (run.known.has(key)) return run.known.get(key)
          const override = run.ctx.factOverrides?.(spec.name, givenParams)
          const value = (override ? override.value : await spec.resolve(params ?? {}, run)) ?? null
          run.readings.push({ fact: spec.name, params: givenParams, value })
          return value
        },
        { priority: spec.priority ?? 10 },
      ),
    )
  }
  for (const rule of rules) {
    engine.addRule({
      name: rule.id,
      priority: rule.priority,
      conditions: rule.conditions as RuleProperties['conditions'],
      event: { type: rule.event.type, params: rule.event.params as Record<string, unknown> },
    })
  }
  return engine
}

/** The database-backed facts the version's enabled rules read, each with its params once. */
function collectPrefetched(
  definition: RuleSetDefinition,
): { spec: FactSpec; params: Record<string, unknown> }[] {
  const found = new Map<string, { spec: FactSpec; params: Record<string, unknown> }>()
  eachFactCondition(definition, (c) => {
    const spec = factsByName.get(c.fact)
    // usage is read per subject by the allowance machinery; the rest through their resolvers
    if (!spec?.prefetch || spec.name === 'usage') return
    const params = (c.params ?? {}) as Record<string, unknown>
    found.set(`${c.fact} ${JSON.stringify(params)}`, { spec, params })
  })
  return [...found.values()]
}

/** `all` of no conditions is true: such a rule (an allowance for everyone, say) always fires. */
function isUnconditional(rule: RuleSetDefinition['rules'][number]): boolean {
  return 'all' in rule.conditions && rule.conditions.all.length === 0
}

export function compileRuleSet(input: unknown): CompiledRuleSet {
  const validation = validateDefinition(input)
  if (!validation.ok) {
    const first = validation.problems[0]
    throw new Error(`invalid rule set: ${first?.path.join('.')}: ${first?.message}`)
  }
  const definition = validation.definition
  const windowsBySubject = collectWindows(definition)
  const prefetched = collectPrefetched(definition)
  const providerFactNames = new Set(providerFacts.map((f) => f.name))
  let readsProviders = false
  eachFactCondition(definition, (c) => {
    if (providerFactNames.has(c.fact)) readsProviders = true
  })
  const rulesById = new Map(definition.rules.map((r) => [r.id, r]))
  // Treatment rules choose how offers are presented, often from an outside provider's demographics:
  // they run in a second pass, only for an approval that made some offer eligible, so a decision
  // without offers never pays for them.
  const deciding = definition.rules.filter((r) => r.enabled && r.event.type !== 'treatment')
  const treatmentRules = definition.rules.filter((r) => r.enabled && r.event.type === 'treatment')
  const unconditional = deciding.filter(isUnconditional)
  const conditional = deciding.filter((r) => !isUnconditional(r))
  const idleTreatmentEngines: Engine[] = []
  const guards = conditional.map(guardsOf)
  const order = new Map(definition.rules.map((r, i) => [r.id, i]))
  // A rule whose guard the request fails cannot fire, so the engine runs only the others: a web
  // purchase by a returning customer skips the phone, mismatch, card and unknown-customer rules.
  // Each set of rules left has its engines; there are as many sets as request shapes, a handful.
  // An Engine keeps run status on itself, so two concurrent runs on one engine cut each other
  // short: each run takes an engine of its own from its set's pool.
  const idle = new Map<string, Engine[]>()
  const maxPools = 256
  // as many as run at once: two batches of 32 decisions, most of one shape; fewer had every
  // decision past the eighth build an engine anew
  const enginesKept = 64

  async function evaluate(ctx: DecisionContext): Promise<Evaluation> {
    const usageMemo = new Map<UsageSubject, Promise<Map<string, UsageTotals>>>()
    const listMemo = new Map<ListSubject, Promise<Set<ListKind>>>()
    let valueLimitMemo: Promise<PurchaseValueLimit | null> | undefined
    const currency = definition.settings.currency

    const loadUsage = (subject: UsageSubject, extra: WindowSpec): Promise<Map<string, UsageTotals>> => {
      const value = usageSubjectValue(subject, ctx)
      const specs = windowsBySubject.get(subject) ?? [extra]
      if (value === null) return Promise.resolve(new Map(specs.map((s) => [windowKey(s), emptyTotals])))
      const ranges = specs.map((s) => resolveWindow(s, ctx.now, ctx.timeZone))
      return ctx.sources
        .usage(subject, value, ranges, currency)
        .then((totals) => new Map(specs.map((s, i) => [windowKey(s), totals[i] ?? emptyTotals])))
    }

    const run: RunState = {
      ctx,
      currency,
      readings: [],
      known: new Map(),
      async usage(subject, spec) {
        let memo = usageMemo.get(subject)
        if (!memo) {
          memo = loadUsage(subject, spec)
          usageMemo.set(subject, memo)
        }
        return (
          (await memo).get(windowKey(spec)) ??
          (await loadUsage(subject, spec)).get(windowKey(spec)) ??
          emptyTotals
        )
      },
      listHits(subject) {
        let memo = listMemo.get(subject)
        if (!memo) {
          const values = listSubjectValues(subject, ctx.request)
          memo = values.length ? ctx.sources.listHits(subject, values) : Promise.resolve(new Set<ListKind>())
          listMemo.set(subject, memo)
        }
        return memo
      },
      purchaseValueLimit() {
        const customerId = ctx.customer.id
        valueLimitMemo ??=
          customerId && ctx.sources.purchaseValueLimit
            ? ctx.sources.purchaseValueLimit(customerId, ctx.now)
            : Promise.resolve(null)
        return valueLimitMemo
      },
    }

    // Every lookup this version may make is asked now, in one turn, so they share one round trip;
    // the rules then find the answers waiting. A failure surfaces when a rule reads the fact. The
    // run waits for all of them before it returns, so none is still out when the caller moves on
    // (a live decision's transaction must not end under a read it started).
    const prefetches: Promise<unknown>[] = []
    if (ctx.prefetch && !ctx.factOverrides) {
      for (const [subject, specs] of windowsBySubject)
        if (specs[0]) prefetches.push(run.usage(subject, specs[0]))
      for (const { spec, params } of prefetched) {
        try {
          prefetches.push(Promise.resolve(spec.resolve(params, run)))
        } catch {
          // the rule that reads it will see the same error
        }
      }
      if (definition.settings.purchase_value_limit !== undefined && ctx.request.kind === 'purchase')
        prefetches.push(run.purchaseValueLimit())
      for (const p of prefetches) p.catch(() => {})
    }

    const { known } = run
    // database facts guard only when every decision asks them anyway (a replay reads them lazily)
    const prefetching = prefetches.length > 0
    const knownValue = async (guard: Guard): Promise<unknown> => {
      if (!known.has(guard.key)) {
        const { spec, params } = guard
        // as the engine's resolver would: a given value first, and the reading kept for the explanation
        const override = ctx.factOverrides?.(spec.name, params)
        const value = (override ? override.value : await spec.resolve(params ?? {}, run)) ?? null
        known.set(guard.key, value)
        run.readings.push({ fact: spec.name, params, value })
      }
      return known.get(guard.key)
    }
    const passes = async (guard: Guard): Promise<boolean> => {
      if (!guard.spec.fromRequest && !prefetching) return true
      try {
        return guard.operator.evaluate(await knownValue(guard), guard.value)
      } catch {
        return true // the engine will meet the same error and report it
      }
    }
    // in order, and no further than the first that fails, as the engine's `all` would
    const allPass = async (ruleGuards: Guard[]): Promise<boolean> => {
      for (const guard of ruleGuards) if (!(await passes(guard))) return false
      return true
    }
    let shape = ''
    const live: Rule[] = []
    for (const [i, rule] of conditional.entries())
      if (await allPass(guards[i] ?? [])) {
        live.push(rule)
        shape += `${i},`
      }
    const pool = idle.get(shape) ?? []
    const engine = pool.pop() ?? buildEngine(live)
    let results: Awaited<ReturnType<Engine['run']>>['results']
    try {
      results = (await engine.run({ [RUN_FACT]: run })).results
    } finally {
      if (pool.length < enginesKept && (idle.has(shape) || idle.size < maxPools)) {
        pool.push(engine)
        idle.set(shape, pool)
      }
    }

    // Rules without conditions fire on every run; json-rules-engine would copy each one's result
    // on every evaluation just to say so, so they are added here instead.
    const fired: FiredRule[] = unconditional.map((rule) => ({
      id: rule.id,
      name: rule.name,
      type: rule.event.type,
      params: (rule.event.params ?? {}) as Record<string, unknown>,
      conditions: [],
    }))
    for (const result of results) {
      const rule = rulesById.get(result.name as string)
      if (!rule) continue
      const conditions: ConditionTrace[] = []
      traceConditions(result.conditions, conditions)
      fired.push({
        id: rule.id,
        name: rule.name,
        type: rule.event.type,
        params: (rule.event.params ?? {}) as Record<string, unknown>,
        conditions,
      })
    }
    // json-rules-engine reports in completion order; keep the rule set's order for stable explanations
    fired.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))

    const allowances: AllowanceState[] = []
    for (const f of fired) {
      if (f.type !== 'allowance') continue
      const p = f.params as EventParams<'allowance'>
      const totals = await run.usage(p.subject, p)
      const range = resolveWindow(p, ctx.now, ctx.timeZone)
      const resetsAt = range.rolling
        ? totals.oldest
          ? new Date(totals.oldest.getTime() + (p.hours ?? 0) * 3_600_000)
          : null
        : range.end
      allowances.push({
        ruleId: f.id,
        ruleName: f.name,
        subject: p.subject,
        subjectLabel: usageSubjectLabel(p.subject, ctx),
        metric: p.metric,
        window: p.window,
        hours: p.hours,
        limit: p.limit,
        used: usedByAllowance(ctx, p) ?? usageValue(totals, p.metric),
        resetsAt,
        message: p.message,
      })
    }

    // Figure 10, steps 1025–1030: read the customer's limit only when the rule set keeps them.
    const valueLimitSetting = definition.settings.purchase_value_limit
    const keepsValueLimits = valueLimitSetting !== undefined && ctx.request.kind === 'purchase'
    const valueLimit = keepsValueLimits ? await run.purchaseValueLimit() : null
    const valueLimitEvent = purchaseValueLimitEvent(valueLimit, ctx.request.amount)

    const resolution = resolveOutcome({
      kind: ctx.request.kind,
      amount: ctx.request.amount?.value ?? null,
      amountInAllowanceCurrency: !ctx.request.amount || ctx.request.amount.currency === currency,
      fired: [
        ...fired.map((f) => ({ ruleId: f.id, ruleName: f.name, type: f.type, params: f.params })),
        ...(valueLimitEvent ? [valueLimitEvent] : []),
      ],
      allowances,
    })
    let establish: PurchaseValueLimit | undefined
    if (keepsValueLimits && valueLimitSetting) {
      if (!valueLimit && resolution.outcome === 'approve' && ctx.customer.id)
        establish = establishPurchaseValueLimit(valueLimitSetting, currency, ctx.now)
      const inForce = valueLimit ?? establish
      resolution.limits.purchase_value_limit = inForce
        ? viewPurchaseValueLimit(inForce, inForce === establish)
        : null
    }
    if (resolution.offers.length > 0 && treatmentRules.length > 0) {
      fired.push(...(await runTreatmentRules(run)))
      fired.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
      resolution.presentation = presentationOf(
        fired.map((f) => ({
          ruleId: f.id,
          ruleName: f.name,
          type: f.type,
          params: f.params,
          priority: rulesById.get(f.id)?.priority ?? 1,
        })),
      )
    }
    await Promise.allSettled(prefetches)
    return { resolution, fired, facts: run.readings, allowances, establishPurchaseValueLimit: establish }
  }

  /** The treatment rules that fire for this run, on the facts it has read so far and any they add. */
  async function runTreatmentRules(run: RunState): Promise<FiredRule[]> {
    // what the first pass read is known: read again, it would be recorded twice
    for (const reading of run.readings) run.known.set(factKey(reading.fact, reading.params), reading.value)
    const engine = idleTreatmentEngines.pop() ?? buildEngine(treatmentRules)
    let results: Awaited<ReturnType<Engine['run']>>['results']
    try {
      results = (await engine.run({ [RUN_FACT]: run })).results
    } finally {
      if (idleTreatmentEngines.length < enginesKept) idleTreatmentEngines.push(engine)
    }
    const fired: FiredRule[] = []
    for (const result of results) {
      const rule = rulesById.get(result.name as string)
      if (!rule) continue
      const conditions: ConditionTrace[] = []
      traceConditions(result.conditions, conditions)
      fired.push({
        id: rule.id,
        name: rule.name,
        type: rule.event.type,
        params: (rule.event.params ?? {}) as Record<string, unknown>,
        conditions,
      })
    }
    return fired
  }

  return { definition, usageSubjects: new Set(windowsBySubject.keys()), readsProviders, evaluate }
}
