// A rule in one sentence, for the collapsed rule cards and the diff: "Block for good when email
// domain is blocked.example". Pure.
import { formatValue } from '../../lib/format.ts'
import { operatorInWords, paramsInWords } from '../decisions/words.ts'
import type { ConditionNode, RuleModel } from './model.ts'

export function conditionInWords(node: ConditionNode): string {
  switch (node.kind) {
    case 'leaf': {
      const params = paramsInWords(node.params)
      const fact = `${node.fact.replaceAll('_', ' ')}${params ? ` (${params})` : ''}`
      return `${fact} ${operatorInWords(node.operator)} ${formatValue(node.value)}`
    }
    case 'not':
      return `not (${conditionInWords(node.child)})`
    case 'group': {
      if (node.children.length === 0) return node.op === 'all' ? 'always' : 'never'
      const parts = node.children.map((child) =>
        child.kind === 'group' && child.children.length > 1
          ? `(${conditionInWords(child)})`
          : conditionInWords(child),
      )
      return parts.join(node.op === 'all' ? ' and ' : ' or ')
    }
  }
}

export function ruleInWords(rule: RuleModel, eventLabels: Record<string, string>): string {
  const params = paramsInWords(rule.event.params, ['message', 'reason_code'])
  const action = `${eventLabels[rule.event.type] ?? rule.event.type}${params ? ` (${params})` : ''}`
  const when = conditionInWords(rule.conditions)
  return when === 'always' ? `${action}, every time` : `${action} when ${when}`
}
