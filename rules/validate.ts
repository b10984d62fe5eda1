// Validation of a rule-set version: the document's shape, then what only the catalog knows:
// facts that exist, params that fit them, operators and values that fit their type, event params
// that fit the event type, unique rule ids and names. Every problem carries a path to it.
import type { z } from 'zod'
import { factsByName, operatorsByType } from './facts.ts'
import { upgradeOfferParams } from './offers.ts'
import {
  type Condition,
  type ConditionLeaf,
  eventParamSchemas,
  type RuleSetDefinition,
  ruleSetDefinitionSchema,
} from './schema.ts'
import type { FactSpec, ValueType } from './types.ts'

export interface Problem {
  path: (string | number)[]
  message: string
}

export type ValidationResult =
  | { ok: true; definition: RuleSetDefinition }
  | { ok: false; problems: Problem[] }

function zodProblems(error: z.ZodError, prefix: (string | number)[]): Problem[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: issue.message,
  }))
}

function valueFits(type: ValueType, value: unknown): boolean {
  if (value === null) return true
  return typeof value === type
}

function checkLeaf(leaf: ConditionLeaf, path: (string | number)[], problems: Problem[]): void {
  const spec: FactSpec | undefined = factsByName.get(leaf.fact)
  if (!spec) {
    problems.push({ path: [...path, 'fact'], message: `unknown fact "${leaf.fact}"` })
    return
  }
  if (spec.params) {
    const parsed = spec.params.safeParse(leaf.params ?? {})
    if (!parsed.success) problems.push(...zodProblems(parsed.error, [...path, 'params']))
  } else if (leaf.params && Object.keys(leaf.params).length > 0) {
    problems.push({ path: [...path, 'params'], message: `fact "${leaf.fact}" takes no params` })
  }
  const operators = operatorsByType[spec.valueType]
  if (!operators.includes(leaf.operator)) {
    problems.push({
      path: [...path, 'operator'],
      message: `operator "${leaf.operator}" does not fit ${spec.valueType} fact "${leaf.fact}"; use one of ${operators.join(', ')}`,
    })
    return
  }
  if (leaf.operator === 'in' || leaf.operator === 'notIn') {
    if (!Array.isArray(leaf.value) || !leaf.value.every((v) => valueFits(spec.valueType, v))) {
      problems.push({
        path: [...path, 'value'],
        message: `"${leaf.operator}" needs a list of ${spec.valueType} values`,
      })
    }
  } else if (!valueFits(spec.valueType, leaf.value)) {
    problems.push({ path: [...path, 'value'], message: `fact "${leaf.fact}" is a ${spec.valueType}` })
  }
}

function checkCondition(condition: Condition, path: (string | number)[], problems: Problem[]): void {
  if ('all' in condition) {
    for (const [i, c] of condition.all.entries()) checkCondition(c, [...path, 'all', i], problems)
  } else if ('any' in condition) {
    for (const [i, c] of condition.any.entries()) checkCondition(c, [...path, 'any', i], problems)
  } else if ('not' in condition) checkCondition(condition.not, [...path, 'not'], problems)
  else checkLeaf(condition, path, problems)
}

export function validateDefinition(input: unknown): ValidationResult {
  const parsed = ruleSetDefinitionSchema.safeParse(input)
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error, []) }
  const definition = parsed.data
  const problems: Problem[] = []
  const seenIds = new Map<string, number>()
  const seenNames = new Map<string, number>()

  definition.rules.forEach((rule, index) => {
    const path = ['rules', index]
    const firstWithId = seenIds.get(rule.id)
    if (firstWithId !== undefined)
      problems.push({
        path: [...path, 'id'],
        message: `duplicate rule id "${rule.id}" (also rules.${firstWithId})`,
      })
    else seenIds.set(rule.id, index)
    const firstWithName = seenNames.get(rule.name)
    if (firstWithName !== undefined)
      problems.push({
        path: [...path, 'name'],
        message: `duplicate rule name "${rule.name}" (also rules.${firstWithName})`,
      })
    else seenNames.set(rule.name, index)

    // an offer event of a version published before the catalog is read as its SKU (rules/offers.ts)
    const raw = rule.event.type === 'offer' ? upgradeOfferParams(rule.event.params) : rule.event.params
    const params = eventParamSchemas[rule.event.type].safeParse(raw ?? {})
    if (!params.success) problems.push(...zodProblems(params.error, [...path, 'event', 'params']))
    checkCondition(rule.conditions, [...path, 'conditions'], problems)
  })

  return problems.length ? { ok: false, problems } : { ok: true, definition }
}
