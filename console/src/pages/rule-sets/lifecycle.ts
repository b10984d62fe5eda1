// What each step of a version's life may do for whom, and what a confirmation says will change:
// "Version 4 will decide every authorization from now on, replacing version 3", with the diff in a
// sentence. Pure, so the wording is tested without a browser.
import { formatMoney, formatValue } from '../../lib/format.ts'
import { factIsMoney, paramIsMoney } from '../../lib/money-fields.ts'
import { type Role, roleAtLeast } from '../../lib/roles.ts'
import type { Diff, Person, RuleSet, ValueChange, VersionStatus, VersionSummary } from './api.ts'
import { isRecord } from './model.ts'

export type VersionAction = 'publish' | 'activate' | 'rollback' | 'archive' | 'shadow_on' | 'shadow_off'

export const statusLabels: Record<VersionStatus, string> = {
  draft: 'Draft',
  published: 'Published',
  active: 'Active',
  shadow: 'In shadow',
  archived: 'Archived',
}

export const statusHints: Record<VersionStatus, string> = {
  draft: 'being edited; decides nothing',
  published: 'read-only; ready to activate',
  active: 'decides now',
  shadow: 'runs beside the active version without changing answers',
  archived: 'kept for the record',
}

/** The actions a role may take on a version in its current state, in the order they are offered. */
export function versionActions(ruleSet: RuleSet, version: VersionSummary, role: Role): VersionAction[] {
  if (!roleAtLeast(role, 'publisher')) return []
  const actions: VersionAction[] = []
  const active = ruleSet.active_version
  switch (version.status) {
    case 'draft':
      actions.push('publish', 'archive')
      break
    case 'published':
      actions.push(
        active !== null && version.version < active ? 'rollback' : 'activate',
        'shadow_on',
        'archive',
      )
      break
    case 'shadow':
      actions.push('shadow_off')
      break
    default:
      break
  }
  return actions
}

/** How an action's button looks: the step forward stands out, the ones that undo or retire warn. */
export function actionClasses(action: VersionAction): Record<string, boolean> {
  return {
    'button-primary': action === 'publish' || action === 'activate',
    'button-danger': action === 'archive' || action === 'rollback',
  }
}

export const actionLabels: Record<VersionAction, string> = {
  publish: 'Publish',
  activate: 'Activate',
  rollback: 'Roll back to this',
  archive: 'Archive',
  shadow_on: 'Run in shadow',
  shadow_off: 'Stop shadow',
}

function decides(ruleSet: RuleSet): string {
  return ruleSet.decides_authorizations ? 'every authorization' : `what rule set “${ruleSet.name}” decides`
}

/** The sentence at the top of a confirmation: what the action changes, for whom, from when. */
export function consequence(action: VersionAction, ruleSet: RuleSet, version: number): string {
  const active = ruleSet.active_version
  const replacing = active === null ? '' : `, replacing version ${active}`
  switch (action) {
    case 'publish':
      return `Version ${version} will be published: it becomes read-only and can then be activated, backtested or run in shadow. It decides nothing until it is activated.`
    case 'activate':
      return `Version ${version} will decide ${decides(ruleSet)} from now on${replacing}. Decisions already in progress finish on the version they started with.`
    case 'rollback':
      return `Version ${version} will decide ${decides(ruleSet)} again from now on${replacing}. The rollback is recorded in the audit log.`
    case 'archive':
      return `Version ${version} will be archived: it is kept for the record but can no longer be activated, run in shadow or edited. What is decided now does not change.`
    case 'shadow_on':
      return ruleSet.shadow_version !== null && ruleSet.shadow_version !== version
        ? `Version ${version} will run in shadow beside the active version, replacing version ${ruleSet.shadow_version} in shadow. Answers do not change; the comparison shows what it would have decided.`
        : `Version ${version} will run in shadow beside the active version. Answers do not change; the comparison shows what it would have decided.`
    case 'shadow_off':
      return `Version ${version} will stop running in shadow. Its comparison so far stays readable.`
  }
}

/**
 * Who may publish a draft when four eyes is on, said in the publish confirmation; null when it is
 * off. `mayPublish` is false for the person who changed the draft last: the server refuses them.
 */
export function fourEyesRule(
  ruleSet: Pick<RuleSet, 'four_eyes'>,
  lastEditor: Person | null,
  me: { id: string } | null | undefined,
): { text: string; mayPublish: boolean } | null {
  if (!ruleSet.four_eyes) return null
  const rule =
    'Four-eyes is on: someone other than the last person who changed this draft — a publisher or an admin — must publish it.'
  if (lastEditor && me && lastEditor.id === me.id)
    return {
      text: `${rule} You changed it last, so ask another publisher or an admin to publish it.`,
      mayPublish: false,
    }
  const who = lastEditor?.email ? ` ${lastEditor.email} changed it last.` : ''
  return { text: `${rule}${who}`, mayPublish: true }
}

/** The version the confirmation compares with: the active one for everything that changes it. */
export function comparedWith(action: VersionAction, ruleSet: RuleSet, version: number): number | null {
  const active = ruleSet.active_version
  if (action === 'archive' || action === 'shadow_off') return null
  return active !== null && active !== version ? active : null
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

function names(refs: { id: string; name: string | null }[]): string {
  const shown = refs.slice(0, 3).map((r) => `“${r.name ?? r.id}”`)
  return refs.length > 3 ? `${shown.join(', ')} and ${refs.length - 3} more` : shown.join(', ')
}

/** The diff in one paragraph: "1 rule added (“Block blocked.example”); 11 unchanged." */
export function diffSummary(diff: Diff): string {
  const parts: string[] = []
  const { added, removed, changed, unchanged } = diff.rules
  if (added.length) parts.push(`${plural(added.length, 'rule')} added (${names(added)})`)
  if (removed.length) parts.push(`${plural(removed.length, 'rule')} removed (${names(removed)})`)
  if (changed.length) parts.push(`${plural(changed.length, 'rule')} changed (${names(changed)})`)
  if (diff.settings.length) parts.push(`${plural(diff.settings.length, 'setting')} changed`)
  if (!parts.length) return `No differences from version ${diff.from}: both versions decide the same.`
  return `Compared with version ${diff.from}: ${parts.join('; ')}; ${plural(unchanged, 'rule')} unchanged.`
}

/** A path inside a rule as words: conditions › all › 0 › value → "condition 1 › value". */
export function pathInWords(path: (string | number)[]): string {
  const words: string[] = []
  for (let i = 0; i < path.length; i++) {
    const step = path[i]
    const next = path[i + 1]
    if ((step === 'all' || step === 'any') && typeof next === 'number') {
      words.push(`${step === 'all' ? 'all of' : 'any of'} #${next + 1}`)
      i++
    } else if (step === 'not') words.push('not')
    else if (typeof step === 'number') words.push(`#${step + 1}`)
    else words.push(String(step).replaceAll('_', ' '))
  }
  return words.join(' › ')
}

/**
 * Whether the value at a diff's path is money: in a rule (its JSON as `rule`), a money event param
 * or the value of a condition on a money fact; in the settings, the session hold and the purchase
 * value limit's amount.
 */
export function isMoneyPath(path: (string | number)[], rule: unknown | null): boolean {
  if (rule === null)
    return (
      (path.length === 1 && path[0] === 'session_hold_amount') ||
      (path.length === 2 && path[0] === 'purchase_value_limit' && path[1] === 'amount')
    )
  if (!isRecord(rule)) return false
  const event = rule.event
  if (path[0] === 'event' && path[1] === 'params' && path.length === 3 && isRecord(event))
    return paramIsMoney(
      String(event.type),
      String(path[2]),
      isRecord(event.params) ? event.params : undefined,
    )
  if (path[0] !== 'conditions') return false
  // follow the path to the condition it lies in; only its value (or an item of it) is money
  const child = (node: unknown, step: string | number): unknown =>
    Array.isArray(node) ? node[Number(step)] : isRecord(node) ? node[String(step)] : undefined
  let node: unknown = rule
  let i = 0
  for (; i < path.length && !(isRecord(node) && typeof node.fact === 'string'); i++)
    node = child(node, path[i] ?? '')
  if (!isRecord(node) || typeof node.fact !== 'string' || path[i] !== 'value') return false
  return factIsMoney(node.fact, isRecord(node.params) ? node.params : undefined)
}

export function changeValue(
  change: ValueChange,
  side: 'old' | 'new',
  money?: { currency: string; is: boolean },
): string {
  if (change.kind === (side === 'old' ? 'added' : 'removed')) return '—'
  const value = side === 'old' ? change.old : change.new
  if (money?.is && typeof value === 'number') return formatMoney({ value, currency: money.currency })
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : formatValue(value)
}
