// Representatives: the people who answer sessions, their extensions and how they are paid. Anyone
// may read the roster; editors add people, change their pay plan and take them off the roster.
import { createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { formatMoney } from '../../lib/format.ts'
import { amountText, parseAmount } from '../../lib/money.ts'
import { can } from '../../lib/session.ts'
import { createSubmission, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import {
  createRepresentative,
  listRepresentatives,
  type PayPlan,
  type Representative,
  setRepresentativeActive,
  updateRepresentative,
} from './api.ts'

/** "50% of billing", "$0.60 a minute" */
export function payPlanText(pay: PayPlan): string {
  if (pay.plan === 'share') return `${pay.share_bps / 100}% of billing`
  return `${formatMoney({ value: pay.rate_per_minute, currency: pay.currency })} a minute`
}

interface Draft {
  name: string
  extension: string
  plan: PayPlan['plan']
  percent: string
  rate: string
  currency: string
}

const blank: Draft = { name: '', extension: '', plan: 'share', percent: '50', rate: '', currency: 'USD' }

function draftOf(representative: Representative): Draft {
  const pay = representative.pay
  return {
    name: representative.name,
    extension: representative.extension,
    plan: pay.plan,
    percent: pay.plan === 'share' ? String(pay.share_bps / 100) : blank.percent,
    rate: pay.plan === 'per_minute' ? amountText(pay.rate_per_minute, pay.currency) : '',
    currency: pay.plan === 'per_minute' ? pay.currency : blank.currency,
  }
}

/** The form's pay plan as the server takes it, or what is wrong with it, by field. */
function payOf(draft: Draft): { pay: PayPlan } | { field: 'percent' | 'rate'; message: string } {
  if (draft.plan === 'share') {
    const match = /^\s*(\d{1,3})(?:[.,](\d{1,2}))?\s*%?\s*$/.exec(draft.percent)
    if (!match) return { field: 'percent', message: 'Give a percent such as 50 or 42.5' }
    const bps = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
    if (bps > 10_000) return { field: 'percent', message: 'At most 100%' }
    return { pay: { plan: 'share', share_bps: bps } }
  }
  const currency = draft.currency.trim().toUpperCase()
  const rate = parseAmount(draft.rate, currency)
  if (rate === null || rate === undefined || rate < 0)
    return { field: 'rate', message: `Give an amount in ${currency || 'the currency'}, such as 0.60` }
  return { pay: { plan: 'per_minute', rate_per_minute: rate, currency } }
}

function RepresentativeForm(props: {
  editing?: Representative
  onSaved: (representative: Representative) => void
  onCancel: () => void
}) {
  const [draft, setDraft] = createSignal<Draft>(props.editing ? draftOf(props.editing) : { ...blank })
  const [localError, setLocalError] = createSignal<{ field: string; message: string } | null>(null)
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const note = (local: string, server: string) =>
    localError()?.field === local ? localError()?.message : fieldError(server)
  const heading = () => (props.editing ? `Change ${props.editing.name}` : 'Add a representative')

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const pay = payOf(draft())
    if ('field' in pay) {
      setLocalError(pay)
      return
    }
    setLocalError(null)
    const body = { name: draft().name.trim(), extension: draft().extension.trim(), pay: pay.pay }
    void run(async () => {
      const editing = props.editing
      props.onSaved(editing ? await updateRepresentative(editing.id, body) : await createRepresentative(body))
    })
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="representative-form">
      <header class="panel-header">
        <h2 id="representative-form">{heading()}</h2>
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
          error={fieldError('name')}
        />
        <TextField
          label="Extension"
          name="extension"
          required
          inputMode="numeric"
          maxLength={10}
          value={draft().extension}
          onInput={(value) => set('extension', value)}
          error={fieldError('extension')}
          hint="The phone extension they answer on, such as 1001."
        />
        <label class="field">
          <span class="field-label">Pay plan</span>
          <select
            name="plan"
            value={draft().plan}
            onChange={(e) => set('plan', e.currentTarget.value as Draft['plan'])}
          >
            <option value="share">Share of billing</option>
            <option value="per_minute">Per minute</option>
          </select>
          <span class="field-hint">
            {draft().plan === 'share'
              ? 'A share of what the caller is charged, split by time when several answer together.'
              : 'A fixed amount for each minute they are connected while the session is billed.'}
          </span>
        </label>
        <Show
          when={draft().plan === 'per_minute'}
          fallback={
            <TextField
              label="Share (%)"
              name="percent"
              inputMode="decimal"
              value={draft().percent}
              onInput={(value) => set('percent', value)}
              error={note('percent', 'pay.share_bps')}
            />
          }
        >
          <TextField
            label="Rate a minute"
            name="rate"
            inputMode="decimal"
            placeholder="0.60"
            value={draft().rate}
            onInput={(value) => set('rate', value)}
            error={note('rate', 'pay.rate_per_minute')}
          />
          <TextField
            label="Currency"
            name="currency"
            maxLength={3}
            value={draft().currency}
            onInput={(value) => set('currency', value.toUpperCase())}
            error={fieldError('pay.currency')}
            hint="Three letters, such as USD."
          />
        </Show>
      </div>
      <SubmitActions
        pending={pending()}
        label={props.editing ? 'Save changes' : 'Add representative'}
        pendingLabel="Saving…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

export default function RepresentativesPage() {
  const [list, { refetch, mutate }] = createResource(() => listRepresentatives(true))
  const [form, setForm] = createSignal<{ editing?: Representative } | null>(null)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const [pendingId, setPendingId] = createSignal<string | null>(null)
  const editor = () => can('editor')

  const put = (representative: Representative) =>
    mutate((rows) =>
      [...(rows ?? []).filter((r) => r.id !== representative.id), representative].sort((a, b) =>
        a.extension.localeCompare(b.extension),
      ),
    )

  const toggle = async (representative: Representative) => {
    setPendingId(representative.id)
    try {
      const changed = await setRepresentativeActive(representative.id, !representative.active)
      put(changed)
      setNotice({
        kind: 'ok',
        text: changed.active
          ? `${changed.name} is back on the roster.`
          : `${changed.name} is off the roster; their pay so far stays in the payouts.`,
      })
    } catch (failure) {
      setNotice({ kind: 'error', text: failure instanceof Error ? failure.message : String(failure) })
    } finally {
      setPendingId(null)
    }
  }

  return (
    <>
      <PageHeader
        title="Representatives"
        subtitle="Who answers sessions, on which extension, and how they are paid."
        actions={
          <Show when={editor() && !form()}>
            <button type="button" class="button button-primary" onClick={() => setForm({})}>
              Add representative
            </button>
          </Show>
        }
      />
      <Notice notice={notice()} />
      <Show when={form()} keyed>
        {(open) => (
          <RepresentativeForm
            {...(open.editing ? { editing: open.editing } : {})}
            onCancel={() => setForm(null)}
            onSaved={(saved) => {
              put(saved)
              setForm(null)
              setNotice({
                kind: 'ok',
                text: open.editing
                  ? `Saved ${saved.name}.`
                  : `Added ${saved.name} on extension ${saved.extension}.`,
              })
            }}
          />
        )}
      </Show>
      <AsyncView resource={list} retry={refetch}>
        {(rows) => (
          <Show when={rows().length > 0} fallback={<Empty title="No representatives yet" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Representatives">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Extension</th>
                    <th scope="col">Pay plan</th>
                    <th scope="col">Status</th>
                    <Show when={editor()}>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={rows()}>
                    {(representative) => (
                      <tr
                        classList={{ 'row-disabled': !representative.active }}
                        data-testid={`representative-${representative.extension}`}
                      >
                        <td>{representative.name}</td>
                        <td class="mono">{representative.extension}</td>
                        <td>{payPlanText(representative.pay)}</td>
                        <td>
                          <span
                            class={`badge ${representative.active ? 'status-active' : 'status-disabled'}`}
                          >
                            {representative.active ? 'On the roster' : 'Off the roster'}
                          </span>
                        </td>
                        <Show when={editor()}>
                          <td class="actions">
                            <button
                              type="button"
                              class="button button-small"
                              onClick={() => setForm({ editing: representative })}
                            >
                              Change
                            </button>{' '}
                            <button
                              type="button"
                              class="button button-small"
                              classList={{ 'button-danger': representative.active }}
                              disabled={pendingId() === representative.id}
                              onClick={() => void toggle(representative)}
                            >
                              {representative.active ? 'Take off roster' : 'Put back'}
                            </button>
                          </td>
                        </Show>
                      </tr>
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
