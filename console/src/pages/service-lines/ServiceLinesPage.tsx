// Service lines: what callers pay on each line — the rate per minute, a connect fee, how time is
// counted (a first period, then increments) and what is held on their card before they connect.
// Everyone reads; editors add, change and take lines out of sale. Amounts are typed and shown in
// the line's currency; the server keeps minor units.
import { createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { formatMoney, formatSeconds } from '../../lib/format.ts'
import { amountText, parseAmount } from '../../lib/money.ts'
import { can } from '../../lib/session.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import {
  createServiceLine,
  deactivateServiceLine,
  listServiceLines,
  type ServiceLine,
  updateServiceLine,
} from './api.ts'

/** The increments staff choose among most; anything else is typed in seconds. */
const presets = [
  { first: 60, increment: 60, label: 'By the minute (60 / 60)' },
  { first: 30, increment: 6, label: 'First 30 s, then every 6 s (30 / 6)' },
  { first: 6, increment: 6, label: 'Every 6 s (6 / 6)' },
  { first: 1, increment: 1, label: 'Every second (1 / 1)' },
] as const

const money = (value: number, currency: string) => formatMoney({ value, currency })

function billingText(line: Pick<ServiceLine, 'first_period_seconds' | 'increment_seconds'>): string {
  const first = line.first_period_seconds
  const increment = line.increment_seconds
  if (first === increment && first === 60) return 'By the minute'
  if (first === increment && first === 1) return 'By the second'
  if (first === increment) return `Every ${formatSeconds(increment)}`
  return `First ${formatSeconds(first)}, then every ${formatSeconds(increment)}`
}

function holdText(line: ServiceLine): string {
  const amount = money(line.hold.amount, line.currency)
  if (line.hold_policy === 'minutes') return `${amount} (${line.hold_minutes} min of time)`
  return amount
}

function coversText(line: ServiceLine): string {
  return line.hold.covers_seconds === null ? 'no limit' : formatSeconds(line.hold.covers_seconds)
}

interface Draft {
  name: string
  description: string
  currency: string
  rate: string
  connectFee: string
  first: string
  increment: string
  holdPolicy: 'fixed' | 'minutes'
  holdAmount: string
  holdMinutes: string
  mode: 'conference' | 'chat_room'
}

const blank: Draft = {
  name: '',
  description: '',
  currency: 'USD',
  rate: '',
  connectFee: '0',
  first: '60',
  increment: '60',
  holdPolicy: 'minutes',
  holdAmount: '',
  holdMinutes: '10',
  mode: 'conference',
}

function draftOf(line: ServiceLine): Draft {
  return {
    name: line.name,
    description: line.description,
    currency: line.currency,
    rate: amountText(line.rate_per_minute, line.currency),
    connectFee: amountText(line.connect_fee, line.currency),
    first: String(line.first_period_seconds),
    increment: String(line.increment_seconds),
    holdPolicy: line.hold_policy,
    holdAmount: line.hold_amount === null ? '' : amountText(line.hold_amount, line.currency),
    holdMinutes: line.hold_minutes === null ? '' : String(line.hold_minutes),
    mode: line.mode,
  }
}

function ServiceLineForm(props: {
  line?: ServiceLine
  onSaved: (line: ServiceLine) => void
  onCancel: () => void
}) {
  const [draft, setDraft] = createSignal<Draft>(props.line ? draftOf(props.line) : { ...blank })
  const [localErrors, setLocalErrors] = createSignal<Record<string, string>>({})
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const problem = (field: string) => localErrors()[field] ?? fieldError(field)
  const title = props.line ? `Change ${props.line.name}` : 'Add a service line'
  const presetValue = () => {
    const found = presets.find(
      (p) => String(p.first) === draft().first && String(p.increment) === draft().increment,
    )
    return found ? `${found.first}/${found.increment}` : 'custom'
  }

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    const currency = d.currency.trim().toUpperCase()
    const errors: Record<string, string> = {}
    const amount = (field: string, text: string, required: boolean): number | null => {
      const minor = parseAmount(text, currency)
      if (minor === undefined || (minor !== null && minor < 0))
        errors[field] = `Type an amount in ${currency}, such as ${amountText(299, currency)}`
      else if (minor === null && required) errors[field] = 'Required'
      return minor ?? null
    }
    const rate = amount('rate_per_minute', d.rate, true)
    const connectFee = amount('connect_fee', d.connectFee, false)
    const holdAmount = d.holdPolicy === 'fixed' ? amount('hold_amount', d.holdAmount, true) : null
    const whole = (field: string, text: string, max: number): number => {
      const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN
      if (!(value >= 1 && value <= max)) errors[field] = `A whole number from 1 to ${max}`
      return value
    }
    const first = whole('first_period_seconds', d.first, 3600)
    const increment = whole('increment_seconds', d.increment, 3600)
    const holdMinutes = d.holdPolicy === 'minutes' ? whole('hold_minutes', d.holdMinutes, 1440) : null
    setLocalErrors(errors)
    if (Object.keys(errors).length) return
    const fields = {
      name: d.name.trim(),
      description: d.description.trim(),
      currency,
      rate_per_minute: rate ?? 0,
      connect_fee: connectFee ?? 0,
      first_period_seconds: first,
      increment_seconds: increment,
      hold_policy: d.holdPolicy,
      hold_amount: holdAmount,
      hold_minutes: holdMinutes,
      mode: d.mode,
    }
    void run(async () => {
      const saved = props.line
        ? await updateServiceLine(props.line.id, fields)
        : await createServiceLine(fields)
      props.onSaved(saved)
    })
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="service-line-form">
      <header class="panel-header">
        <h2 id="service-line-form">{title}</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <TextField
          label="Name"
          name="name"
          required
          maxLength={120}
          value={draft().name}
          onInput={(value) => set('name', value)}
          error={problem('name')}
        />
        <label class="field field-wide">
          <span class="field-label">Description</span>
          <input
            name="description"
            maxLength={500}
            value={draft().description}
            onInput={(e) => set('description', e.currentTarget.value)}
          />
          <FieldNote message={problem('description')} hint="What callers get on this line (optional)." />
        </label>
        <TextField
          label="Currency"
          name="currency"
          required
          maxLength={3}
          value={draft().currency}
          onInput={(value) => set('currency', value.toUpperCase())}
          error={problem('currency')}
          hint="Three letters, such as USD, EUR or JPY."
        />
        <TextField
          label="Rate per minute"
          name="rate_per_minute"
          inputMode="decimal"
          required
          value={draft().rate}
          onInput={(value) => set('rate', value)}
          error={problem('rate_per_minute')}
          hint={`In ${draft().currency || 'the currency'}.`}
        />
        <TextField
          label="Connect fee"
          name="connect_fee"
          inputMode="decimal"
          value={draft().connectFee}
          onInput={(value) => set('connectFee', value)}
          error={problem('connect_fee')}
          hint="Charged once a call connects; 0 for none."
        />
        <label class="field">
          <span class="field-label">Time is counted</span>
          <select
            name="increments"
            value={presetValue()}
            onChange={(e) => {
              const [first, increment] = e.currentTarget.value.split('/')
              if (first && increment) setDraft((d) => ({ ...d, first, increment }))
            }}
          >
            <For each={presets}>{(p) => <option value={`${p.first}/${p.increment}`}>{p.label}</option>}</For>
            <option value="custom">Other (type the seconds)</option>
          </select>
        </label>
        <TextField
          label="First period (seconds)"
          name="first_period_seconds"
          inputMode="numeric"
          value={draft().first}
          onInput={(value) => set('first', value)}
          error={problem('first_period_seconds')}
          hint="Charged whole as soon as a call connects."
        />
        <TextField
          label="Then every (seconds)"
          name="increment_seconds"
          inputMode="numeric"
          value={draft().increment}
          onInput={(value) => set('increment', value)}
          error={problem('increment_seconds')}
          hint="Each one begun is charged whole."
        />
        <label class="field">
          <span class="field-label">Hold before connecting</span>
          <select
            name="hold_policy"
            value={draft().holdPolicy}
            onChange={(e) => set('holdPolicy', e.currentTarget.value as Draft['holdPolicy'])}
          >
            <option value="minutes">What some minutes of time cost</option>
            <option value="fixed">A fixed amount</option>
          </select>
        </label>
        <Show
          when={draft().holdPolicy === 'fixed'}
          fallback={
            <TextField
              label="Minutes held"
              name="hold_minutes"
              inputMode="numeric"
              value={draft().holdMinutes}
              onInput={(value) => set('holdMinutes', value)}
              error={problem('hold_minutes')}
              hint="The hold pays for this much time; a call is cut before it costs more."
            />
          }
        >
          <TextField
            label="Amount held"
            name="hold_amount"
            inputMode="decimal"
            value={draft().holdAmount}
            onInput={(value) => set('holdAmount', value)}
            error={problem('hold_amount')}
            hint="Must pay at least for the connect fee and the first period."
          />
        </Show>
        <label class="field">
          <span class="field-label">Billed from</span>
          <select
            name="mode"
            value={draft().mode}
            onChange={(e) => set('mode', e.currentTarget.value as Draft['mode'])}
          >
            <option value="conference">The first representative answering to the last hanging up</option>
            <option value="chat_room">The caller joining to leaving (chat room)</option>
          </select>
        </label>
      </div>
      <SubmitActions
        pending={pending()}
        label={props.line ? 'Save changes' : 'Add service line'}
        pendingLabel="Saving…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

function LineRow(props: {
  line: ServiceLine
  onEdit: () => void
  onChanged: (line: ServiceLine, text: string) => void
  onError: (text: string) => void
}) {
  const [pending, setPending] = createSignal(false)
  const toggle = async () => {
    setPending(true)
    try {
      const changed = props.line.active
        ? await deactivateServiceLine(props.line.id)
        : await updateServiceLine(props.line.id, { active: true })
      props.onChanged(changed, `${changed.name} is ${changed.active ? 'on sale again' : 'out of sale'}.`)
    } catch (failure) {
      props.onError(`${props.line.name}: ${failure instanceof Error ? failure.message : String(failure)}`)
    } finally {
      setPending(false)
    }
  }
  return (
    <tr classList={{ 'row-disabled': !props.line.active }} data-testid={`service-line-${props.line.id}`}>
      <td>
        <strong>{props.line.name}</strong>
        <Show when={props.line.description}>
          <div class="muted">{props.line.description}</div>
        </Show>
      </td>
      <td class="nowrap">{money(props.line.rate_per_minute, props.line.currency)} / min</td>
      <td class="nowrap">
        {props.line.connect_fee ? money(props.line.connect_fee, props.line.currency) : 'None'}
      </td>
      <td>{billingText(props.line)}</td>
      <td class="nowrap">{holdText(props.line)}</td>
      <td class="nowrap">{coversText(props.line)}</td>
      <td>{props.line.mode === 'chat_room' ? 'Chat room' : 'Representatives'}</td>
      <td>
        <span class={`badge ${props.line.active ? 'status-active' : 'status-disabled'}`}>
          {props.line.active ? 'On sale' : 'Out of sale'}
        </span>
      </td>
      <td class="actions">
        <Show when={can('editor')}>
          <button
            type="button"
            class="button button-small"
            disabled={pending()}
            onClick={() => props.onEdit()}
          >
            Change
          </button>{' '}
          <button
            type="button"
            class="button button-small"
            classList={{ 'button-danger': props.line.active }}
            disabled={pending()}
            onClick={() => void toggle()}
          >
            {props.line.active ? 'Take out of sale' : 'Put back on sale'}
          </button>
        </Show>
      </td>
    </tr>
  )
}

export default function ServiceLinesPage() {
  const [showInactive, setShowInactive] = createSignal(false)
  // the source is an object: a bare false would tell Solid not to fetch at all
  const [lines, { refetch, mutate }] = createResource(
    () => ({ includeInactive: showInactive() }),
    (source) => listServiceLines(source.includeInactive),
  )
  const [editing, setEditing] = createSignal<ServiceLine | 'new' | null>(null)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)

  const put = (line: ServiceLine) =>
    mutate((list) => {
      const others = (list ?? []).filter((l) => l.id !== line.id)
      const kept = line.active || showInactive() ? [...others, line] : others
      return kept.sort((a, b) => a.name.localeCompare(b.name))
    })

  return (
    <>
      <PageHeader
        title="Service lines"
        subtitle="What callers pay on each line: the rate, how time is counted, and what is held on their card before they connect."
        actions={
          <Show when={can('editor') && editing() === null}>
            <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
              Add service line
            </button>
          </Show>
        }
      />
      <Notice notice={notice()} />
      <Show when={editing()} keyed>
        {(target) => (
          <ServiceLineForm
            {...(target === 'new' ? {} : { line: target })}
            onCancel={() => setEditing(null)}
            onSaved={(line) => {
              put(line)
              setEditing(null)
              setNotice({
                kind: 'ok',
                text: target === 'new' ? `Added ${line.name}.` : `Saved ${line.name}.`,
              })
            }}
          />
        )}
      </Show>
      <div class="toolbar">
        <label class="field-check">
          <input
            type="checkbox"
            checked={showInactive()}
            onChange={(e) => setShowInactive(e.currentTarget.checked)}
          />
          <span>Show lines out of sale</span>
        </label>
      </div>
      <AsyncView resource={lines} retry={refetch}>
        {(list) => (
          <Show when={list().length > 0} fallback={<Empty title="No service lines yet" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Service lines">
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Rate</th>
                    <th scope="col">Connect fee</th>
                    <th scope="col">Time is counted</th>
                    <th scope="col">Held before connecting</th>
                    <th scope="col">Hold pays for</th>
                    <th scope="col">Billed time</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(line) => (
                      <LineRow
                        line={line}
                        onEdit={() => setEditing(line)}
                        onChanged={(changed, text) => {
                          put(changed)
                          setNotice({ kind: 'ok', text })
                        }}
                        onError={(text) => setNotice({ kind: 'error', text })}
                      />
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}
