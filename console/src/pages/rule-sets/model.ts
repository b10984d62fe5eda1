// The rule editor's model: a draft's definition as a tree the visual editor can change, converted to
// and from the JSON the server stores without losing anything, plus the pure edits on it and the
// mapping of the server's validation problems (paths into the JSON) onto the rules and conditions
// they concern. Pure, so the round trip is tested in node without a browser.

export type GroupOp = 'all' | 'any'

export interface GroupNode {
  kind: 'group'
  key: string
  op: GroupOp
  children: ConditionNode[]
}

export interface NotNode {
  kind: 'not'
  key: string
  child: ConditionNode
}

export interface LeafNode {
  kind: 'leaf'
  key: string
  fact: string
  operator: string
  value: unknown
  /** absent and {} differ in the JSON, so absence is kept */
  params?: Record<string, unknown>
  /** json-rules-engine's optional path into an object fact; kept, not edited */
  path?: string
  /** keys the editor does not know, kept so a round trip never drops them */
  extra?: Record<string, unknown>
}

export type ConditionNode = GroupNode | NotNode | LeafNode

export interface RuleModel {
  key: string
  id: string
  name: string
  description: string
  priority: number
  enabled: boolean
  conditions: ConditionNode
  event: { type: string; params: Record<string, unknown> }
  extra?: Record<string, unknown>
}

export interface DraftModel {
  settings: Record<string, unknown>
  rules: RuleModel[]
  extra?: Record<string, unknown>
}

export type Converted<T> = { ok: true; value: T } | { ok: false; message: string }

let keyCounter = 0
/** Keys name UI nodes across edits; they never reach the JSON. */
export function newKey(prefix = 'n'): string {
  keyCounter += 1
  return `${prefix}${keyCounter}`
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function rest(
  source: Record<string, unknown>,
  known: readonly string[],
): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(source)) if (!known.includes(key)) extra[key] = value
  return Object.keys(extra).length ? extra : undefined
}

class Unrepresentable extends Error {}

function conditionFromJson(json: unknown, where: string): ConditionNode {
  if (!isRecord(json)) throw new Unrepresentable(`${where} is not an object`)
  const groupKeys = ['all', 'any', 'not'].filter((k) => k in json)
  if (groupKeys.length > 1) throw new Unrepresentable(`${where} mixes ${groupKeys.join(' and ')}`)
  const op = groupKeys[0]
  if (op === 'all' || op === 'any') {
    if (Object.keys(json).length > 1) throw new Unrepresentable(`${where} has keys beside "${op}"`)
    const list = json[op]
    if (!Array.isArray(list)) throw new Unrepresentable(`${where}.${op} is not a list`)
    return {
      kind: 'group',
      key: newKey('g'),
      op,
      children: list.map((child, i) => conditionFromJson(child, `${where}.${op}.${i}`)),
    }
  }
  if (op === 'not') {
    if (Object.keys(json).length > 1) throw new Unrepresentable(`${where} has keys beside "not"`)
    return { kind: 'not', key: newKey('x'), child: conditionFromJson(json.not, `${where}.not`) }
  }
  const leaf: LeafNode = {
    kind: 'leaf',
    key: newKey('c'),
    fact: typeof json.fact === 'string' ? json.fact : '',
    operator: typeof json.operator === 'string' ? json.operator : '',
    value: json.value,
  }
  if ('params' in json) {
    if (!isRecord(json.params)) throw new Unrepresentable(`${where}.params is not an object`)
    leaf.params = json.params
  }
  if (typeof json.path === 'string') leaf.path = json.path
  const extra = rest(json, ['fact', 'operator', 'value', 'params', 'path'])
  if (extra) leaf.extra = extra
  return leaf
}

function ruleFromJson(json: unknown, index: number): RuleModel {
  const where = `rules.${index}`
  if (!isRecord(json)) throw new Unrepresentable(`${where} is not an object`)
  const event = json.event ?? { type: 'block', params: {} }
  if (!isRecord(event)) throw new Unrepresentable(`${where}.event is not an object`)
  const params = event.params ?? {}
  if (!isRecord(params)) throw new Unrepresentable(`${where}.event.params is not an object`)
  if (rest(event, ['type', 'params'])) throw new Unrepresentable(`${where}.event has unknown keys`)
  const rule: RuleModel = {
    key: newKey('r'),
    id: typeof json.id === 'string' ? json.id : '',
    name: typeof json.name === 'string' ? json.name : '',
    description: typeof json.description === 'string' ? json.description : '',
    priority: typeof json.priority === 'number' ? json.priority : 1,
    enabled: typeof json.enabled === 'boolean' ? json.enabled : true,
    conditions: conditionFromJson(json.conditions ?? { all: [] }, `${where}.conditions`),
    event: { type: typeof event.type === 'string' ? event.type : 'block', params },
  }
  const extra = rest(json, ['id', 'name', 'description', 'priority', 'enabled', 'conditions', 'event'])
  if (extra) rule.extra = extra
  return rule
}

/** The definition as the visual editor's model; fails on JSON the editor cannot show faithfully. */
export function fromDefinition(json: unknown): Converted<DraftModel> {
  try {
    if (!isRecord(json)) throw new Unrepresentable('the definition is not an object')
    const rules = json.rules ?? []
    if (!Array.isArray(rules)) throw new Unrepresentable('rules is not a list')
    const settings = json.settings ?? {}
    if (!isRecord(settings)) throw new Unrepresentable('settings is not an object')
    const model: DraftModel = { settings, rules: rules.map(ruleFromJson) }
    const extra = rest(json, ['settings', 'rules'])
    if (extra) model.extra = extra
    return { ok: true, value: model }
  } catch (error) {
    if (error instanceof Unrepresentable) return { ok: false, message: error.message }
    throw error
  }
}

export function conditionToJson(node: ConditionNode): unknown {
  switch (node.kind) {
    case 'group':
      return { [node.op]: node.children.map(conditionToJson) }
    case 'not':
      return { not: conditionToJson(node.child) }
    case 'leaf': {
      const json: Record<string, unknown> = { fact: node.fact }
      if (node.params !== undefined) json.params = node.params
      json.operator = node.operator
      json.value = node.value
      if (node.path !== undefined) json.path = node.path
      return { ...json, ...node.extra }
    }
  }
}

export function ruleToJson(rule: RuleModel): Record<string, unknown> {
  return {
    id: rule.id,
    name: rule.name,
    description: rule.description,
    priority: rule.priority,
    enabled: rule.enabled,
    conditions: conditionToJson(rule.conditions),
    event: { type: rule.event.type, params: rule.event.params },
    ...rule.extra,
  }
}

/** The JSON the server stores, keys in a reading order: settings first, each rule's id and name first. */
export function toDefinition(model: DraftModel): Record<string, unknown> {
  return { settings: model.settings, rules: model.rules.map(ruleToJson), ...model.extra }
}

export function definitionText(model: DraftModel): string {
  return `${JSON.stringify(toDefinition(model), null, 2)}\n`
}

/** The currency a definition keeps its money in (settings.currency), when it names one. */
export function definitionCurrency(definition: unknown): string | undefined {
  const settings = isRecord(definition) ? definition.settings : undefined
  return isRecord(settings) && typeof settings.currency === 'string' ? settings.currency : undefined
}

/** JSON text typed in the code editor, as a model, or why the visual editor cannot show it. */
export function parseDefinitionText(text: string): Converted<DraftModel> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : 'not JSON' }
  }
  return fromDefinition(json)
}

/** A model without its UI keys, to compare two models by what they mean. */
export function withoutKeys(model: DraftModel): unknown {
  return JSON.parse(JSON.stringify(model, (key, value) => (key === 'key' ? undefined : value)))
}

// ----- edits on the condition tree (immutable: each returns a new tree) -----

export function mapNode(
  node: ConditionNode,
  key: string,
  change: (node: ConditionNode) => ConditionNode,
): ConditionNode {
  if (node.key === key) return change(node)
  if (node.kind === 'group') {
    const children = node.children.map((child) => mapNode(child, key, change))
    return children.some((c, i) => c !== node.children[i]) ? { ...node, children } : node
  }
  if (node.kind === 'not') {
    const child = mapNode(node.child, key, change)
    return child === node.child ? node : { ...node, child }
  }
  return node
}

export function findNode(node: ConditionNode, key: string): ConditionNode | undefined {
  if (node.key === key) return node
  if (node.kind === 'group') {
    for (const child of node.children) {
      const found = findNode(child, key)
      if (found) return found
    }
  }
  if (node.kind === 'not') return findNode(node.child, key)
  return undefined
}

/** Removes a node; a `not` whose only child goes goes with it. The root stays. */
export function removeNode(root: ConditionNode, key: string): ConditionNode {
  if (root.key === key) return root
  const prune = (node: ConditionNode): ConditionNode | null => {
    if (node.key === key) return null
    if (node.kind === 'group') {
      const children = node.children.map(prune).filter((c): c is ConditionNode => c !== null)
      return children.length === node.children.length && children.every((c, i) => c === node.children[i])
        ? node
        : { ...node, children }
    }
    if (node.kind === 'not') {
      const child = prune(node.child)
      if (child === null) return null
      return child === node.child ? node : { ...node, child }
    }
    return node
  }
  return prune(root) ?? root
}

export function appendChild(root: ConditionNode, groupKey: string, child: ConditionNode): ConditionNode {
  return mapNode(root, groupKey, (node) =>
    node.kind === 'group' ? { ...node, children: [...node.children, child] } : node,
  )
}

/** Moves a node one place up (-1) or down (+1) among its siblings. */
export function moveNode(root: ConditionNode, key: string, delta: -1 | 1): ConditionNode {
  const visit = (node: ConditionNode): ConditionNode => {
    if (node.kind === 'group') {
      const index = node.children.findIndex((c) => c.key === key)
      if (index >= 0) {
        const target = index + delta
        if (target < 0 || target >= node.children.length) return node
        const children = [...node.children]
        const [moved] = children.splice(index, 1)
        if (moved) children.splice(target, 0, moved)
        return { ...node, children }
      }
      const children = node.children.map(visit)
      return children.some((c, i) => c !== node.children[i]) ? { ...node, children } : node
    }
    if (node.kind === 'not') {
      const child = visit(node.child)
      return child === node.child ? node : { ...node, child }
    }
    return node
  }
  return visit(root)
}

/** Puts a node inside a new `not` (or takes the `not` away again). */
export function toggleNot(root: ConditionNode, key: string): ConditionNode {
  return mapNode(root, key, (node) =>
    node.kind === 'not' ? node.child : { kind: 'not', key: newKey('x'), child: node },
  )
}

export function emptyGroup(op: GroupOp = 'all'): GroupNode {
  return { kind: 'group', key: newKey('g'), op, children: [] }
}

// ----- facts, operators and values -----

export type ValueType = 'number' | 'string' | 'boolean'

export interface FactShape {
  name: string
  value_type: ValueType
  operators: string[]
  params: ParamsSchema | null
}

export const listOperators = new Set(['in', 'notIn'])

export function defaultValue(type: ValueType, operator: string): unknown {
  if (listOperators.has(operator)) return []
  if (type === 'boolean') return true
  if (type === 'number') return 0
  return ''
}

/** A value kept across a change of operator: a scalar becomes a one-item list and back. */
export function adaptValue(value: unknown, type: ValueType, operator: string): unknown {
  const wantsList = listOperators.has(operator)
  if (wantsList) {
    if (Array.isArray(value)) return value
    return value === '' || value === undefined || value === null ? [] : [value]
  }
  if (Array.isArray(value)) return value.length ? value[0] : defaultValue(type, operator)
  if (typeof value === type) return value
  return defaultValue(type, operator)
}

/** Params a fact starts with: the first choice of each required enum, so the condition is valid at once. */
export function defaultParams(schema: ParamsSchema | null): Record<string, unknown> | undefined {
  if (!schema) return undefined
  const params: Record<string, unknown> = {}
  for (const field of paramFields(schema)) {
    if (field.required && field.kind === 'enum' && field.options[0] !== undefined)
      params[field.name] = field.options[0]
  }
  return params
}

export function newLeaf(fact: FactShape | undefined): LeafNode {
  const operator = fact?.operators[0] ?? 'equal'
  const leaf: LeafNode = {
    kind: 'leaf',
    key: newKey('c'),
    fact: fact?.name ?? '',
    operator,
    value: defaultValue(fact?.value_type ?? 'string', operator),
  }
  const params = defaultParams(fact?.params ?? null)
  if (params) leaf.params = params
  return leaf
}

/** The leaf after choosing another fact: operator, value and params kept where they still fit. */
export function changeFact(leaf: LeafNode, fact: FactShape): LeafNode {
  const operator = fact.operators.includes(leaf.operator) ? leaf.operator : (fact.operators[0] ?? 'equal')
  const next: LeafNode = {
    kind: 'leaf',
    key: leaf.key,
    fact: fact.name,
    operator,
    value: adaptValue(leaf.value, fact.value_type, operator),
  }
  const params = defaultParams(fact.params)
  if (params) next.params = params
  if (leaf.path !== undefined) next.path = leaf.path
  if (leaf.extra) next.extra = leaf.extra
  return next
}

export function changeOperator(leaf: LeafNode, type: ValueType, operator: string): LeafNode {
  return { ...leaf, operator, value: adaptValue(leaf.value, type, operator) }
}

/** Text typed into a value box, as the fact's type: numbers that parse become numbers. */
export function parseScalar(text: string, type: ValueType): unknown {
  if (type === 'number') {
    const trimmed = text.trim()
    if (trimmed === '') return null
    const number = Number(trimmed)
    return Number.isFinite(number) ? number : trimmed
  }
  if (type === 'boolean') return text === 'true'
  return text
}

/** A comma-separated list typed for `in` / `notIn`. */
export function parseList(text: string, type: ValueType): unknown[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => parseScalar(part, type))
}

export function listText(value: unknown): string {
  return Array.isArray(value) ? value.map((v) => String(v)).join(', ') : ''
}

// ----- params forms from JSON Schema -----

export interface ParamsSchema {
  type?: string | string[]
  enum?: unknown[]
  properties?: Record<string, ParamsSchema>
  required?: string[]
  description?: string
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  pattern?: string
}

export type ParamField =
  | { name: string; kind: 'enum'; options: string[]; required: boolean; description?: string }
  | {
      name: string
      kind: 'integer' | 'number'
      required: boolean
      description?: string
      minimum?: number
      maximum?: number
    }
  | { name: string; kind: 'string'; required: boolean; description?: string; maxLength?: number }
  | { name: string; kind: 'boolean'; required: boolean; description?: string }

/** The fields of a params object schema, in the schema's order: enums become choices, integers numbers. */
export function paramFields(schema: ParamsSchema): ParamField[] {
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([name, property]): ParamField => {
    const base = { name, required: required.has(name), description: property.description }
    if (Array.isArray(property.enum)) return { ...base, kind: 'enum', options: property.enum.map(String) }
    const type = Array.isArray(property.type) ? property.type[0] : property.type
    if (type === 'integer' || type === 'number')
      return { ...base, kind: type, minimum: property.minimum, maximum: property.maximum }
    if (type === 'boolean') return { ...base, kind: 'boolean' }
    return { ...base, kind: 'string', maxLength: property.maxLength }
  })
}

/** A form field's text as the param's value; an empty box removes the param (the server says if it is required). */
export function paramValue(field: ParamField, text: string): unknown {
  if (text === '') return undefined
  if (field.kind === 'integer' || field.kind === 'number') {
    const number = Number(text)
    return Number.isFinite(number) ? number : text
  }
  if (field.kind === 'boolean') return text === 'true'
  return text
}

export function setParam(
  params: Record<string, unknown> | undefined,
  name: string,
  value: unknown,
): Record<string, unknown> {
  const next = { ...params }
  if (value === undefined) delete next[name]
  else next[name] = value
  return next
}

// ----- rules -----

/** A rule id from its name: lowercase words joined by dashes, unique among the others. */
export function ruleIdFromName(name: string, taken: Iterable<string> = []): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56)
      .replace(/-+$/, '') || 'rule'
  const used = new Set(taken)
  if (!used.has(base)) return base
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`
}

export function newRule(name: string, taken: Iterable<string>): RuleModel {
  return {
    key: newKey('r'),
    id: ruleIdFromName(name, taken),
    name,
    description: '',
    priority: 10,
    enabled: true,
    conditions: emptyGroup('all'),
    event: { type: 'block', params: {} },
  }
}

// ----- validation problems at the nodes they concern -----

export interface ServerProblem {
  field: string
  pointer: string
  message: string
}

export interface PlacedProblem {
  /** what inside the node: "operator", "value", "params.subject", "event.params.message", "" for the node */
  field: string
  message: string
}

export interface ProblemPlaces {
  /** by node key: rule keys for rule fields and event params, condition keys for conditions */
  byNode: Map<string, PlacedProblem[]>
  /** how many problems each rule has, its conditions included */
  perRule: Map<string, number>
  /** problems that belong to no rule (settings, the document itself) */
  general: ServerProblem[]
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return []
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
}

function place(map: Map<string, PlacedProblem[]>, key: string, problem: PlacedProblem): void {
  const list = map.get(key) ?? []
  list.push(problem)
  map.set(key, list)
}

/** Follows each problem's path into the model to the rule or condition it concerns. */
export function placeProblems(model: DraftModel, problems: ServerProblem[]): ProblemPlaces {
  const places: ProblemPlaces = { byNode: new Map(), perRule: new Map(), general: [] }
  for (const problem of problems) {
    const segments = pointerSegments(problem.pointer || `/${problem.field.replaceAll('.', '/')}`)
    const rule = segments[0] === 'rules' ? model.rules[Number(segments[1])] : undefined
    if (!rule || segments[1] === undefined || !/^\d+$/.test(segments[1])) {
      places.general.push(problem)
      continue
    }
    places.perRule.set(rule.key, (places.perRule.get(rule.key) ?? 0) + 1)
    if (segments[2] !== 'conditions') {
      place(places.byNode, rule.key, { field: segments.slice(2).join('.'), message: problem.message })
      continue
    }
    let node: ConditionNode = rule.conditions
    let i = 3
    for (;;) {
      const step = segments[i]
      if (node.kind === 'group' && step === node.op) {
        const child: ConditionNode | undefined = node.children[Number(segments[i + 1])]
        if (!child) break
        node = child
        i += 2
      } else if (node.kind === 'not' && step === 'not') {
        node = node.child
        i += 1
      } else break
    }
    place(places.byNode, node.key, { field: segments.slice(i).join('.'), message: problem.message })
  }
  return places
}

/** zod's wording, as staff would say it. */
export function problemInWords(message: string): string {
  if (/received undefined/.test(message)) return 'Required: fill this in.'
  if (/^Too small: expected string to have >=1 characters?$/.test(message)) return 'Required: fill this in.'
  const big = /^Too big: expected (?:number|int) to be <=(\d+)/.exec(message)
  if (big) return `At most ${big[1]}.`
  const small = /^Too small: expected (?:number|int) to be >=(\d+)/.exec(message)
  if (small) return `At least ${small[1]}.`
  const option = /^Invalid option: expected one of (.*)$/.exec(message)
  if (option) return `Choose one of ${option[1]?.replaceAll('|', ', ')}.`
  return message.charAt(0).toUpperCase() + message.slice(1)
}
