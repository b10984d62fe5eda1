// A rule in one sentence, for the collapsed rule cards and the diff: "Block for good when email
// domain is blocked.example". Pure.
import { factValueInWords, firedParamsInWords, operatorInWords, paramsInWords } from '../decisions/words.ts'
import type { ConditionNode, RuleModel } from './model.ts'

export function conditionInWords(node: ConditionNode, currency: string): string {
  switch (node.kind) {
    case 'leaf': {
      const params = paramsInWords(node.params)
      const fact = `${node.fact.replaceAll('_', ' ')}${params ? ` (${params})` : ''}`
      const value = factValueInWords(node.fact, node.params, node.value, currency)
      return `${fact} ${operatorInWords(node.operator)} ${value}`
    }
    case 'not':
      return `not (${conditionInWords(node.child, currency)})`
    case 'group': {
      if (node.children.length === 0) return node.op === 'all' ? 'always' : 'never'
      const parts = node.children.map((child) =>
        child.kind === 'group' && child.children.length > 1
          ? `(${conditionInWords(child, currency)})`
          : conditionInWords(child, currency),
      )
      return parts.join(node.op === 'all' ? ' and ' : ' or ')
    }
  }
}

export function ruleInWords(rule: RuleModel, eventLabels: Record<string, string>, currency: string): string {
  const params = firedParamsInWords(rule.event, currency, ['message', 'reason_code'])
  const action = `${eventLabels[rule.event.type] ?? rule.event.type}${params ? ` (${params})` : ''}`
  const when = conditionInWords(rule.conditions, currency)
  return when === 'always' ? `${action}, every time` : `${action} when ${when}`
}
