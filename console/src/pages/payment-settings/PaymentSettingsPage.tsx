// Payments settings (admin): the payment provider (the sandbox, or Stripe with its secret key), how
// a session's hold is settled, and how long a session may go without a sign of life. The key is
// never shown again once saved: only that one is stored, and its last four characters.
import { createResource, createSignal, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Notice } from '../../components/states.tsx'
import { formatDateTime } from '../../lib/format.ts'
import { createSubmission, FieldNote, FormProblem, SubmitActions } from '../../lib/submission.tsx'
import {
  type BillingSettings,
  type BillingSettingsChange,
  readBillingSettings,
  saveBillingSettings,
} from './api.ts'

type Gateway = BillingSettings['gateway']
type Settlement = BillingSettings['settlement']

const providers: { value: Gateway; label: string; hint: string }[] = [
  {
    value: 'sandbox',
    label: 'Sandbox',
    hint: 'For trying things out: test card numbers choose each answer and no real money moves.',
  },
  {
    value: 'stripe',
    label: 'Stripe',
    hint: 'Real payments through your Stripe account, with its secret key.',
  },
]

const settlements: { value: Settlement; label: string; hint: string }[] = [
  {
    value: 'capture_and_release',
    label: 'Charge what was used, release the rest',
    hint: 'The hold is taken for the session’s charge; the rest of it is released at once.',
  },
  {
    value: 'reverse_and_recharge',
    label: 'Release the hold, then charge anew',
    hint: 'The whole hold is released and the session’s charge made as a new payment.',
  },
  {
    value: 'credit_difference',
    label: 'Take the whole hold, refund the difference',
    hint: 'The whole hold is taken and what the session did not use is refunded.',
  },
]

function SettingsForm(props: { settings: BillingSettings; onSaved: (settings: BillingSettings) => void }) {
  const [gateway, setGateway] = createSignal<Gateway>(props.settings.gateway)
  const [secret, setSecret] = createSignal('')
  const [account, setAccount] = createSignal(props.settings.gateway_account ?? '')
  const [settlement, setSettlement] = createSignal<Settlement>(props.settings.settlement)
  const [timeout, setTimeoutSeconds] = createSignal(props.settings.heartbeat_timeout_seconds)
  const { pending, error, run, fieldError } = createSubmission()

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    void run(async () => {
      const change: BillingSettingsChange = {
        gateway: gateway(),
        gateway_account: account().trim() || null,
        settlement: settlement(),
        heartbeat_timeout_seconds: timeout(),
        // an empty key field keeps the stored key
        ...(secret().trim() ? { secret: secret().trim() } : {}),
      }
      const saved = await saveBillingSettings(change)
      setSecret('')
      props.onSaved(saved)
    })
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="payments-settings">
      <header class="panel-header">
        <h2 id="payments-settings">How your customers pay</h2>
      </header>
      <FormProblem error={error()} />
      <fieldset class="choices">
        <legend class="field-label">Payment provider</legend>
        <For each={providers}>
          {(provider) => (
            <label class="choice">
              <input
                type="radio"
                name="gateway"
                value={provider.value}
                checked={gateway() === provider.value}
                onChange={() => setGateway(provider.value)}
              />
              <span>
                {provider.label}
                <span class="field-hint"> — {provider.hint}</span>
              </span>
            </label>
          )}
        </For>
        <FieldNote message={fieldError('gateway')} />
      </fieldset>
      <Show when={gateway() === 'stripe'}>
        <div class="form-grid">
          <label class="field">
            <span class="field-label">Stripe secret key</span>
            <input
              name="secret"
              type="password"
              autocomplete="off"
              placeholder={
                props.settings.secret_set
                  ? `Stored key ending ${props.settings.secret_last4 ?? ''}`
                  : 'sk_live_…'
              }
              value={secret()}
              onInput={(e) => setSecret(e.currentTarget.value)}
              aria-invalid={Boolean(fieldError('secret'))}
            />
            <FieldNote
              message={fieldError('secret')}
              hint={
                props.settings.secret_set
                  ? 'Leave empty to keep the stored key. It is kept encrypted and never shown again.'
                  : 'From the Stripe dashboard, Developers → API keys. It is kept encrypted and never shown again.'
              }
            />
          </label>
          <label class="field">
            <span class="field-label">Stripe account (optional)</span>
            <input
              name="gateway_account"
              placeholder="acct_…"
              value={account()}
              onInput={(e) => setAccount(e.currentTarget.value)}
              aria-invalid={Boolean(fieldError('gateway_account'))}
            />
            <FieldNote
              message={fieldError('gateway_account')}
              hint="Shown to your staff only, as a reminder."
            />
          </label>
        </div>
      </Show>
      <fieldset class="choices">
        <legend class="field-label">When a session ends</legend>
        <For each={settlements}>
          {(option) => (
            <label class="choice">
              <input
                type="radio"
                name="settlement"
                value={option.value}
                checked={settlement() === option.value}
                onChange={() => setSettlement(option.value)}
              />
              <span>
                {option.label}
                <span class="field-hint"> — {option.hint}</span>
              </span>
            </label>
          )}
        </For>
        <span class="field-hint">Checking and EFT accounts are always charged once, at the end.</span>
      </fieldset>
      <div class="form-grid">
        <label class="field">
          <span class="field-label">End a silent session after (seconds)</span>
          <input
            name="heartbeat_timeout_seconds"
            type="number"
            min={15}
            max={3600}
            required
            value={timeout()}
            onInput={(e) => setTimeoutSeconds(e.currentTarget.valueAsNumber)}
            aria-invalid={Boolean(fieldError('heartbeat_timeout_seconds'))}
          />
          <FieldNote
            message={fieldError('heartbeat_timeout_seconds')}
            hint="A live session with no sign of life this long is ended, and billed up to its last one."
          />
        </label>
      </div>
      <SubmitActions pending={pending()} label="Save settings" pendingLabel="Saving…" />
    </form>
  )
}

function providerName(gateway: Gateway): string {
  return providers.find((p) => p.value === gateway)?.label ?? gateway
}

export default function PaymentSettingsPage() {
  const [settings, { refetch, mutate }] = createResource(readBillingSettings)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)

  return (
    <>
      <PageHeader
        title="Payments settings"
        subtitle="Which payment provider takes your customers’ money, and how sessions are settled."
      />
      <Notice notice={notice()} testId="payments-settings-notice" />
      <AsyncView resource={settings} retry={refetch}>
        {(current) => (
          <>
            <p class="muted" data-testid="payments-settings-summary">
              Payments go through {providerName(current().gateway)}
              <Show when={current().gateway === 'stripe' && current().secret_set}>
                {' '}
                with the key ending {current().secret_last4}
              </Show>
              .{' '}
              <Show
                when={current().updated_at}
                fallback="These are the defaults; nothing has been changed yet."
              >
                {(at) => <>Last changed {formatDateTime(at())}.</>}
              </Show>
            </p>
            <SettingsForm
              settings={current()}
              onSaved={(saved) => {
                mutate(saved)
                setNotice({
                  kind: 'ok',
                  text: `Saved. New payments go through ${providerName(saved.gateway)} from now on.`,
                })
              }}
            />
          </>
        )}
      </AsyncView>
    </>
  )
}
