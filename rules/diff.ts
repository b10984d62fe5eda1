// The difference between two rule-set versions, as a reviewer reads it: settings that changed, and
// rules added, removed and changed, matched by their stable id. Pure.
import { ruleSetDefinitionSchema } from './schema.ts'

export type JsonPath = (string | number)[]

export interface ValueChange {
  path: JsonPath
  /** added: only in the newer version; removed: only in the older one */
  kind: 'added' | 'removed' | 'changed'
  old: unknown
  new: unknown
}

export interface RuleRef {
  id: string
  name: string | null
}

export interface RuleChange extends RuleRef {
  /** paths inside the rule, such as conditions.all.0.value */
  changes: ValueChange[]
}

export interface DefinitionDiff {
  settings: ValueChange[]
  rules: { added: RuleRef[]; removed: RuleRef[]; changed: RuleChange[]; unchanged: number }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Every leaf-level difference between two JSON values, with its path. */
export function jsonChanges(before: unknown, after: unknown, path: JsonPath = []): ValueChange[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: ValueChange[] = []
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) changes.push({ path: [...path, i], kind: 'removed', old: before[i], new: null })
      else if (i >= before.length)
        changes.push({ path: [...path, i], kind: 'added', old: null, new: after[i] })
      else changes.push(...jsonChanges(before[i], after[i], [...path, i]))
    }
    return changes
  }
  if (isRecord(before) && isRecord(after)) {
    const changes: ValueChange[] = []
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    for (const key of keys) {
      if (!(key in after))
        changes.push({ path: [...path, key], kind: 'removed', old: before[key], new: null })
      else if (!(key in before))
        changes.push({ path: [...path, key], kind: 'added', old: null, new: after[key] })
      else changes.push(...jsonChanges(before[key], after[key], [...path, key]))
    }
    return changes
  }
  if (Object.is(before, after)) return []
  return [{ path, kind: 'changed', old: before, new: after }]
}

// A draft may be work in progress, so the diff reads whatever is there; but where the document is
// valid, defaults are filled in first, so an explicit "enabled: true" is not a change from nothing.
function normalized(definition: unknown): { settings: unknown; rules: unknown[] } {
  const parsed = ruleSetDefinitionSchema.safeParse(definition)
  if (parsed.success) return parsed.data
  const raw = isRecord(definition) ? definition : {}
  return { settings: raw.settings ?? null, rules: Array.isArray(raw.rules) ? raw.rules : [] }
}

function ruleRef(rule: unknown, index: number): RuleRef {
  const r = isRecord(rule) ? rule : {}
  return {
    // a rule without an id (only in an invalid draft) is matched by its position
    id: typeof r.id === 'string' ? r.id : `#${index}`,
    name: typeof r.name === 'string' ? r.name : null,
  }
}

export function diffDefinitions(from: unknown, to: unknown): DefinitionDiff {
  const before = normalized(from)
  const after = normalized(to)
  const beforeById = new Map(before.rules.map((rule, i) => [ruleRef(rule, i).id, rule]))
  const afterIds = new Set(after.rules.map((rule, i) => ruleRef(rule, i).id))

  const added: RuleRef[] = []
  const changed: RuleChange[] = []
  let unchanged = 0
  after.rules.forEach((rule, i) => {
    const ref = ruleRef(rule, i)
    if (!beforeById.has(ref.id)) {
      added.push(ref)
      return
    }
    const changes = jsonChanges(beforeById.get(ref.id), rule)
    if (changes.length) changed.push({ ...ref, changes })
    else unchanged++
  })
  const removed = before.rules.map(ruleRef).filter((ref) => !afterIds.has(ref.id))

  return {
    settings: jsonChanges(before.settings, after.settings),
    rules: { added, removed, changed, unchanged },
  }
}
