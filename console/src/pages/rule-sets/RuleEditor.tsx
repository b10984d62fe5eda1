// The visual rule editor: one card per rule (name, id, priority, on/off, what it does with its
// params as a form) holding its conditions as nested all / any / not groups, each condition a fact
// from the catalog with its params, an operator that fits its type and a value box that fits too.
// Validation problems show at the field, condition or rule they concern.
import { createMemo, createSignal, For, type JSX, Match, Show, Switch } from 'solid-js'
import { formatValue } from '../../lib/format.ts'
import { amountText, currencyDigits } from '../../lib/money.ts'
import { factIsMoney, moneyInputText, moneyInputValue, paramIsMoney } from '../../lib/money-fields.ts'
import { factDescription, operatorInWords } from '../decisions/words.ts'
import type { Catalog, CatalogFact } from './api.ts'
import {
  appendChild,
  type ConditionNode,
  changeFact,
  changeOperator,
  emptyGroup,
  type GroupNode,
  type LeafNode,
  listOperators,
  listText,
  moveNode,
  type NotNode,
  newLeaf,
  type ParamField,
  type ParamsSchema,
  type PlacedProblem,
  type ProblemPlaces,
  paramFields,
  paramValue,
  parseList,
  parseScalar,
  problemInWords,
  type RuleModel,
  removeNode,
  ruleIdFromName,
  setParam,
  toggleNot,
  type ValueType,
} from './model.ts'

export const eventTypeLabels: Record<string, string> = {
  block: 'Block for good',
  temporary_block: 'Block for now (may retry)',
  review: 'Send to a person to review',
  limit: 'Limit: refuse for this period',
  allowance: 'Allowance: how much may be used',
  discount: 'Give a discount',
  offer: 'Make an offer',
  treatment: 'Choose how offers are presented',
}

export const factLabel = (name: string) => name.replaceAll('_', ' ')
const paramLabel = (name: string) => {
  const words = name.replaceAll('_', ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

interface EditorContext {
  catalog: Catalog
  facts: Map<string, CatalogFact>
  problems: ProblemPlaces
  readOnly: boolean
  /** rules whose id follows their name until saved: new ones */
  autoIds: Set<string>
  /** the rule set's currency: money is typed and shown in it */
  currency: string
}

/** What a money box says under it: the currency and an example in it. */
export function moneyHint(currency: string): string {
  return `An amount in ${currency}, such as ${amountText(50 * 10 ** currencyDigits(currency), currency)}`
}

const allowanceLimitHints: Record<string, string> = {
  sessions: 'How many sessions',
  purchases: 'How many purchases',
  minutes: 'Whole minutes',
}

function problemsAt(context: EditorContext, key: string, field: (f: string) => boolean): PlacedProblem[] {
  return (context.problems.byNode.get(key) ?? []).filter((p) => field(p.field))
}

function ProblemText(props: { problems: PlacedProblem[] }) {
  return (
    <For each={props.problems}>
      {(problem) => (
        <span class="field-error" data-testid="problem">
          {problemInWords(problem.message)}
        </span>
      )}
    </For>
  )
}

/** A params object as a small form generated from its JSON Schema. */
export function ParamsForm(props: {
  schema: ParamsSchema
  values: Record<string, unknown> | undefined
  onChange: (values: Record<string, unknown>) => void
  problems: (name: string) => PlacedProblem[]
  readOnly: boolean
  idPrefix: string
  /** the params that are money, typed as amounts in this currency */
  money?: { currency: string; is: (name: string, values: Record<string, unknown> | undefined) => boolean }
  /** a hint in place of the schema's description */
  hint?: (name: string) => string | undefined
}) {
  const fields = createMemo(() => paramFields(props.schema))
  const money = (field: ParamField) => props.money?.is(field.name, props.values) === true
  // the server sees text where a number belongs; in a money box that means "not an amount"
  const problemsOf = (field: ParamField): PlacedProblem[] => {
    const currency = money(field) ? props.money?.currency : undefined
    return props
      .problems(field.name)
      .map((p) =>
        currency && /expected (number|int)/.test(p.message)
          ? { ...p, message: `${moneyHint(currency).replace('An amount', 'Enter an amount')}.` }
          : p,
      )
  }
  const fieldHint = (field: ParamField) => {
    const currency = money(field) ? props.money?.currency : undefined
    return currency ? moneyHint(currency) : (props.hint?.(field.name) ?? field.description)
  }
  const text = (field: ParamField) => {
    const value = props.values?.[field.name]
    return value === undefined || value === null ? '' : String(value)
  }
  const set = (field: ParamField, raw: string) =>
    props.onChange(setParam(props.values, field.name, paramValue(field, raw)))
  return (
    <div class="params-form">
      <For each={fields()}>
        {(field) => {
          const id = `${props.idPrefix}-${field.name}`
          const invalid = () => problemsOf(field).length > 0
          return (
            <label
              class="field"
              classList={{ 'field-wide': field.kind === 'string' && (field.maxLength ?? 0) >= 200 }}
              for={id}
            >
              <span class="field-label">
                {paramLabel(field.name)}
                <Show when={money(field) && props.money}>{(m) => ` (${m().currency})`}</Show>
                <Show when={!field.required}>
                  <span class="optional"> (optional)</span>
                </Show>
              </span>
              <Switch>
                <Match when={money(field) && props.money}>
                  {(m) => (
                    <input
                      id={id}
                      type="text"
                      inputmode="decimal"
                      class="money-input"
                      value={moneyInputText(props.values?.[field.name], m().currency)}
                      disabled={props.readOnly}
                      aria-invalid={invalid()}
                      onChange={(e) => {
                        const text = e.currentTarget.value
                        const value = text.trim() === '' ? undefined : moneyInputValue(text, m().currency)
                        props.onChange(setParam(props.values, field.name, value))
                      }}
                    />
                  )}
                </Match>
                <Match when={field.kind === 'enum' || field.kind === 'boolean'}>
                  <select
                    id={id}
                    value={text(field)}
                    disabled={props.readOnly}
                    aria-invalid={invalid()}
                    onChange={(e) => set(field, e.currentTarget.value)}
                  >
                    <option value="">{field.required ? 'Choose…' : '(none)'}</option>
                    <For each={field.kind === 'enum' ? field.options : ['true', 'false']}>
                      {(option) => <option value={option}>{factLabel(option)}</option>}
                    </For>
                  </select>
                </Match>
                <Match when={field.kind === 'integer' || field.kind === 'number'}>
                  <input
                    id={id}
                    type="number"
                    step={field.kind === 'integer' ? 1 : 'any'}
                    min={'minimum' in field ? field.minimum : undefined}
                    value={text(field)}
                    disabled={props.readOnly}
                    aria-invalid={invalid()}
                    onChange={(e) => set(field, e.currentTarget.value)}
                  />
                </Match>
                <Match when={true}>
                  <input
                    id={id}
                    type="text"
                    value={text(field)}
                    disabled={props.readOnly}
                    aria-invalid={invalid()}
                    onInput={(e) => set(field, e.currentTarget.value)}
                  />
                </Match>
              </Switch>
              <Show when={!invalid() && fieldHint(field)}>
                {(hint) => <span class="field-hint">{hint()}</span>}
              </Show>
              <ProblemText problems={problemsOf(field)} />
            </label>
          )
        }}
      </For>
    </div>
  )
}

function ValueInput(props: {
  leaf: LeafNode
  type: ValueType
  readOnly: boolean
  invalid: boolean
  currency: string
  onChange: (value: unknown) => void
}) {
  const label = () => `Value for ${factLabel(props.leaf.fact)}`
  const money = () => props.type === 'number' && factIsMoney(props.leaf.fact, props.leaf.params)
  return (
    <Switch>
      <Match when={money() && listOperators.has(props.leaf.operator)}>
        <input
          type="text"
          class="value-input"
          aria-label={`${label()} (${props.currency})`}
          placeholder={`amounts in ${props.currency}, separated by commas`}
          value={
            Array.isArray(props.leaf.value)
              ? props.leaf.value.map((v) => moneyInputText(v, props.currency)).join(', ')
              : ''
          }
          disabled={props.readOnly}
          aria-invalid={props.invalid}
          onChange={(e) =>
            props.onChange(
              e.currentTarget.value
                .split(',')
                .filter((part) => part.trim() !== '')
                .map((part) => moneyInputValue(part, props.currency)),
            )
          }
        />
      </Match>
      <Match when={money()}>
        <span class="money-value">
          <input
            type="text"
            inputmode="decimal"
            class="value-input money-input"
            aria-label={`${label()} (${props.currency})`}
            value={moneyInputText(props.leaf.value, props.currency)}
            disabled={props.readOnly}
            aria-invalid={props.invalid}
            onChange={(e) => props.onChange(moneyInputValue(e.currentTarget.value, props.currency))}
          />
          <span class="muted">{props.currency}</span>
        </span>
      </Match>
      <Match when={listOperators.has(props.leaf.operator)}>
        <input
          type="text"
          class="value-input"
          aria-label={label()}
          placeholder="values, separated by commas"
          value={listText(props.leaf.value)}
          disabled={props.readOnly}
          aria-invalid={props.invalid}
          onChange={(e) => props.onChange(parseList(e.currentTarget.value, props.type))}
        />
      </Match>
      <Match when={props.type === 'boolean'}>
        <select
          aria-label={label()}
          value={String(props.leaf.value)}
          disabled={props.readOnly}
          aria-invalid={props.invalid}
          onChange={(e) => props.onChange(e.currentTarget.value === 'true')}
        >
          <option value="true">yes</option>
          <option value="false">no</option>
        </select>
      </Match>
      <Match when={props.type === 'number'}>
        <input
          type="number"
          step="any"
          class="value-input"
          aria-label={label()}
          value={props.leaf.value === null || props.leaf.value === undefined ? '' : String(props.leaf.value)}
          disabled={props.readOnly}
          aria-invalid={props.invalid}
          onChange={(e) => props.onChange(parseScalar(e.currentTarget.value, 'number'))}
        />
      </Match>
      <Match when={true}>
        <input
          type="text"
          class="value-input"
          aria-label={label()}
          value={typeof props.leaf.value === 'string' ? props.leaf.value : formatValue(props.leaf.value)}
          disabled={props.readOnly}
          aria-invalid={props.invalid}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      </Match>
    </Switch>
  )
}

interface NodeProps {
  context: EditorContext
  /** applies an edit to the rule's condition tree */
  edit: (change: (root: ConditionNode) => ConditionNode) => void
  rootKey: string
}

function NodeTools(props: NodeProps & { node: ConditionNode }) {
  return (
    <Show when={!props.context.readOnly && props.node.key !== props.rootKey}>
      <span class="node-tools">
        <button
          type="button"
          class="icon-button"
          title="Move up"
          aria-label="Move up"
          onClick={() => props.edit((root) => moveNode(root, props.node.key, -1))}
        >
          ↑
        </button>
        <button
          type="button"
          class="icon-button"
          title="Move down"
          aria-label="Move down"
          onClick={() => props.edit((root) => moveNode(root, props.node.key, 1))}
        >
          ↓
        </button>
        <button
          type="button"
          class="icon-button"
          title={props.node.kind === 'not' ? 'Remove the NOT' : 'Negate: wrap in NOT'}
          aria-label={props.node.kind === 'not' ? 'Remove the NOT' : 'Negate'}
          onClick={() => props.edit((root) => toggleNot(root, props.node.key))}
        >
          ¬
        </button>
        <button
          type="button"
          class="icon-button danger"
          title="Remove"
          aria-label="Remove condition"
          onClick={() => props.edit((root) => removeNode(root, props.node.key))}
        >
          ✕
        </button>
      </span>
    </Show>
  )
}

function LeafEditor(props: NodeProps & { node: LeafNode }) {
  const fact = () => props.context.facts.get(props.node.fact)
  const type = (): ValueType => fact()?.value_type ?? 'string'
  const here = (field: (f: string) => boolean) => problemsAt(props.context, props.node.key, field)
  const update = (change: (leaf: LeafNode) => LeafNode) =>
    props.edit((root) => mapLeaf(root, props.node.key, (leaf) => change(leaf)))
  return (
    <div class="condition" data-testid="condition" classList={{ 'has-problem': here(() => true).length > 0 }}>
      <div class="condition-row">
        <select
          aria-label="Fact"
          class="fact-select"
          value={props.node.fact}
          disabled={props.context.readOnly}
          aria-invalid={here((f) => f.startsWith('fact')).length > 0}
          onChange={(e) => {
            const next = props.context.facts.get(e.currentTarget.value)
            if (next) update((leaf) => changeFact(leaf, next))
          }}
        >
          <Show when={!fact()}>
            <option value={props.node.fact}>{props.node.fact || 'Choose what to check…'}</option>
          </Show>
          <For each={props.context.catalog.facts}>
            {(f) => (
              <option value={f.name} title={factDescription(f.description)}>
                {factLabel(f.name)}
              </option>
            )}
          </For>
        </select>
        <select
          aria-label="Operator"
          value={props.node.operator}
          disabled={props.context.readOnly}
          aria-invalid={here((f) => f.startsWith('operator')).length > 0}
          onChange={(e) => {
            const operator = e.currentTarget.value
            update((leaf) => changeOperator(leaf, type(), operator))
          }}
        >
          <Show when={!fact()?.operators.includes(props.node.operator)}>
            <option value={props.node.operator}>{props.node.operator || '…'}</option>
          </Show>
          <For each={fact()?.operators ?? []}>
            {(operator) => <option value={operator}>{operatorInWords(operator)}</option>}
          </For>
        </select>
        <ValueInput
          leaf={props.node}
          type={type()}
          readOnly={props.context.readOnly}
          invalid={here((f) => f.startsWith('value')).length > 0}
          currency={props.context.currency}
          onChange={(value) => update((leaf) => ({ ...leaf, value }))}
        />
        <NodeTools {...props} />
      </div>
      <Show when={fact()?.description}>
        {(description) => <p class="field-hint">{factDescription(description())}</p>}
      </Show>
      <Show when={fact()?.params}>
        {(schema) => (
          <ParamsForm
            schema={schema()}
            values={props.node.params}
            idPrefix={props.node.key}
            readOnly={props.context.readOnly}
            problems={(name) => here((f) => f === `params.${name}`)}
            onChange={(params) => update((leaf) => ({ ...leaf, params }))}
          />
        )}
      </Show>
      <ProblemText problems={here((f) => !/^(fact|operator|value)/.test(f) && !/^params\.\w+/.test(f))} />
      <ProblemText problems={here((f) => /^(fact|operator|value)/.test(f))} />
    </div>
  )
}

function mapLeaf(root: ConditionNode, key: string, change: (leaf: LeafNode) => LeafNode): ConditionNode {
  const visit = (node: ConditionNode): ConditionNode => {
    if (node.key === key && node.kind === 'leaf') return change(node)
    if (node.kind === 'group') return { ...node, children: node.children.map(visit) }
    if (node.kind === 'not') return { ...node, child: visit(node.child) }
    return node
  }
  return visit(root)
}

function NodeEditor(props: NodeProps & { node: ConditionNode }): JSX.Element {
  return (
    <Switch>
      <Match when={props.node.kind === 'group' && (props.node as GroupNode)}>
        {(group) => <GroupEditor {...props} node={group()} />}
      </Match>
      <Match when={props.node.kind === 'not' && (props.node as NotNode)}>
        {(not) => (
          <div class="not-group" data-testid="not-group">
            <div class="group-header">
              <span class="group-op not-op">NOT</span>
              <span class="muted">this must not be true:</span>
              <NodeTools {...props} node={not()} />
            </div>
            <NodeEditor {...props} node={not().child} />
          </div>
        )}
      </Match>
      <Match when={props.node.kind === 'leaf' && (props.node as LeafNode)}>
        {(leaf) => <LeafEditor {...props} node={leaf()} />}
      </Match>
    </Switch>
  )
}

function GroupEditor(props: NodeProps & { node: GroupNode }) {
  const here = () => problemsAt(props.context, props.node.key, () => true)
  const firstFact = () => props.context.catalog.facts[0]
  return (
    <div class="group" data-testid="condition-group" classList={{ 'group-any': props.node.op === 'any' }}>
      <div class="group-header">
        <select
          aria-label="Group kind"
          class="group-op"
          value={props.node.op}
          disabled={props.context.readOnly}
          onChange={(e) => {
            const op = e.currentTarget.value === 'any' ? 'any' : 'all'
            props.edit((root) => mapGroup(root, props.node.key, (g) => ({ ...g, op })))
          }}
        >
          <option value="all">ALL of these</option>
          <option value="any">ANY of these</option>
        </select>
        <span class="muted">
          {props.node.op === 'all' ? 'must be true' : 'must be true (at least one)'}
          <Show when={props.node.children.length === 0}>
            {props.node.key === props.rootKey ? ' — no conditions: the rule applies every time' : ' — empty'}
          </Show>
        </span>
        <NodeTools {...props} />
      </div>
      <div class="group-children">
        <For each={props.node.children}>{(child) => <NodeEditor {...props} node={child} />}</For>
      </div>
      <ProblemText problems={here()} />
      <Show when={!props.context.readOnly}>
        <div class="group-actions">
          <button
            type="button"
            class="button button-small"
            onClick={() => props.edit((root) => appendChild(root, props.node.key, newLeaf(firstFact())))}
          >
            + Condition
          </button>
          <button
            type="button"
            class="button button-small button-quiet"
            onClick={() =>
              props.edit((root) =>
                appendChild(root, props.node.key, {
                  ...emptyGroup(props.node.op === 'all' ? 'any' : 'all'),
                }),
              )
            }
          >
            + Group
          </button>
        </div>
      </Show>
    </div>
  )
}

function mapGroup(root: ConditionNode, key: string, change: (group: GroupNode) => GroupNode): ConditionNode {
  const visit = (node: ConditionNode): ConditionNode => {
    if (node.key === key && node.kind === 'group') return change(node)
    if (node.kind === 'group') return { ...node, children: node.children.map(visit) }
    if (node.kind === 'not') return { ...node, child: visit(node.child) }
    return node
  }
  return visit(root)
}

/** One rule: collapsed to a line in words, opened to edit. */
export function RuleCard(props: {
  rule: RuleModel
  index: number
  context: EditorContext
  otherIds: () => string[]
  summary: string
  open: boolean
  onToggle: () => void
  onChange: (change: (rule: RuleModel) => RuleModel) => void
  onDelete: () => void
}) {
  const ruleProblems = (field: (f: string) => boolean) => problemsAt(props.context, props.rule.key, field)
  const count = () => props.context.problems.perRule.get(props.rule.key) ?? 0
  const event = () => props.context.catalog.events.find((e) => e.type === props.rule.event.type)
  const [confirmDelete, setConfirmDelete] = createSignal(false)
  const idPrefix = () => `rule-${props.rule.key}`

  return (
    <article
      class="rule-editor"
      classList={{ 'rule-disabled': !props.rule.enabled, 'has-problem': count() > 0 }}
      data-testid="rule-editor"
      data-rule-id={props.rule.id}
    >
      <header class="rule-editor-header">
        <button
          type="button"
          class="disclosure"
          aria-expanded={props.open}
          aria-label={`${props.open ? 'Close' : 'Open'} rule ${props.rule.name || props.rule.id}`}
          onClick={() => props.onToggle()}
        >
          {props.open ? '▾' : '▸'}
        </button>
        <div class="rule-title">
          <strong>{props.rule.name || 'Unnamed rule'}</strong>
          <span class="mono muted">{props.rule.id}</span>
          <span class={`badge event-${props.rule.event.type}`}>
            {eventTypeLabels[props.rule.event.type] ?? props.rule.event.type}
          </span>
          <span class="muted">priority {props.rule.priority}</span>
          <Show when={!props.rule.enabled}>
            <span class="badge status-disabled">Off</span>
          </Show>
          <Show when={count() > 0}>
            <span class="badge problem-badge" data-testid="rule-problem-count">
              {count()} {count() === 1 ? 'problem' : 'problems'}
            </span>
          </Show>
        </div>
        <Show when={!props.open}>
          <p class="rule-summary">{props.summary}</p>
        </Show>
      </header>
      <Show when={props.open}>
        <div class="rule-body">
          <div class="form-grid rule-fields">
            <label class="field">
              <span class="field-label">Rule name</span>
              <input
                value={props.rule.name}
                disabled={props.context.readOnly}
                aria-invalid={ruleProblems((f) => f === 'name').length > 0}
                onInput={(e) => {
                  const name = e.currentTarget.value
                  props.onChange((rule) =>
                    props.context.autoIds.has(rule.key)
                      ? { ...rule, name, id: ruleIdFromName(name, props.otherIds()) }
                      : { ...rule, name },
                  )
                }}
              />
              <ProblemText problems={ruleProblems((f) => f === 'name')} />
            </label>
            <label class="field">
              <span class="field-label">Rule id</span>
              <input
                class="mono"
                value={props.rule.id}
                disabled={props.context.readOnly}
                aria-invalid={ruleProblems((f) => f === 'id').length > 0}
                onInput={(e) => {
                  const id = e.currentTarget.value
                  props.context.autoIds.delete(props.rule.key)
                  props.onChange((rule) => ({ ...rule, id }))
                }}
              />
              <Show
                when={ruleProblems((f) => f === 'id').length}
                fallback={<span class="field-hint">Stays the same in every version; decisions name it.</span>}
              >
                <ProblemText problems={ruleProblems((f) => f === 'id')} />
              </Show>
            </label>
            <label class="field">
              <span class="field-label">Priority</span>
              <input
                type="number"
                min="1"
                max="100"
                step="1"
                value={props.rule.priority}
                disabled={props.context.readOnly}
                aria-invalid={ruleProblems((f) => f === 'priority').length > 0}
                onChange={(e) => {
                  const priority = Number(e.currentTarget.value)
                  props.onChange((rule) => ({ ...rule, priority }))
                }}
              />
              <Show
                when={ruleProblems((f) => f === 'priority').length}
                fallback={<span class="field-hint">1–100; higher runs first.</span>}
              >
                <ProblemText problems={ruleProblems((f) => f === 'priority')} />
              </Show>
            </label>
            <label class="field checkbox-field">
              <span class="field-label">Enabled</span>
              <span>
                <input
                  type="checkbox"
                  checked={props.rule.enabled}
                  disabled={props.context.readOnly}
                  onChange={(e) => {
                    const enabled = e.currentTarget.checked
                    props.onChange((rule) => ({ ...rule, enabled }))
                  }}
                />{' '}
                {props.rule.enabled ? 'On' : 'Off: kept but never fires'}
              </span>
            </label>
            <label class="field field-wide">
              <span class="field-label">Description</span>
              <input
                value={props.rule.description}
                disabled={props.context.readOnly}
                onInput={(e) => {
                  const description = e.currentTarget.value
                  props.onChange((rule) => ({ ...rule, description }))
                }}
              />
            </label>
          </div>

          <h4 class="rule-section">When</h4>
          <NodeEditor
            node={props.rule.conditions}
            rootKey={props.rule.conditions.key}
            context={props.context}
            edit={(change) => props.onChange((rule) => ({ ...rule, conditions: change(rule.conditions) }))}
          />

          <h4 class="rule-section">Then</h4>
          <div class="event-editor">
            <label class="field">
              <span class="field-label">What the rule does</span>
              <select
                value={props.rule.event.type}
                disabled={props.context.readOnly}
                onChange={(e) => {
                  const type = e.currentTarget.value
                  props.onChange((rule) => ({ ...rule, event: { type, params: rule.event.params } }))
                }}
              >
                <For each={props.context.catalog.events}>
                  {(e) => <option value={e.type}>{eventTypeLabels[e.type] ?? e.type}</option>}
                </For>
              </select>
              <Show when={event()?.description}>
                <span class="field-hint">{event()?.description}</span>
              </Show>
              <ProblemText
                problems={ruleProblems((f) => f.startsWith('event') && !/^event\.params\.\w/.test(f))}
              />
            </label>
            <Show when={event()}>
              {(e) => (
                <ParamsForm
                  schema={e().params}
                  values={props.rule.event.params}
                  idPrefix={`${idPrefix()}-event`}
                  readOnly={props.context.readOnly}
                  money={{
                    currency: props.context.currency,
                    is: (name, values) => paramIsMoney(props.rule.event.type, name, values),
                  }}
                  hint={(name) =>
                    props.rule.event.type === 'allowance' && name === 'limit'
                      ? (allowanceLimitHints[String(props.rule.event.params.metric)] ??
                        'Counted in what the metric measures: sessions, purchases, whole minutes or money')
                      : undefined
                  }
                  problems={(name) => ruleProblems((f) => f === `event.params.${name}`)}
                  onChange={(params) =>
                    props.onChange((rule) => ({ ...rule, event: { type: rule.event.type, params } }))
                  }
                />
              )}
            </Show>
          </div>
          <ProblemText
            problems={ruleProblems((f) => !['name', 'id', 'priority'].includes(f) && !f.startsWith('event'))}
          />
          <Show when={!props.context.readOnly}>
            <div class="form-actions">
              <Show
                when={confirmDelete()}
                fallback={
                  <button
                    type="button"
                    class="button button-small button-danger"
                    onClick={() => setConfirmDelete(true)}
                  >
                    Delete rule
                  </button>
                }
              >
                <span>Delete “{props.rule.name}” from this draft?</span>
                <button
                  type="button"
                  class="button button-small button-danger"
                  onClick={() => props.onDelete()}
                >
                  Yes, delete
                </button>
                <button
                  type="button"
                  class="button button-small button-quiet"
                  onClick={() => setConfirmDelete(false)}
                >
                  Keep it
                </button>
              </Show>
            </div>
          </Show>
        </div>
      </Show>
    </article>
  )
}

export type { EditorContext }
