// Signing in: workspace, e-mail and password, with plain answers for a wrong password and a
// locked account, then back to the page the user came from.
import { useNavigate, useSearchParams } from '@solidjs/router'
import { createSignal, onMount, Show } from 'solid-js'
import { ApiError } from '../../lib/api.ts'
import { loadSession, session, signIn } from '../../lib/session.ts'

/** Only console paths: an open redirect through ?next= would be a phishing aid. */
function safeNext(next: string | string[] | undefined): string {
  const value = Array.isArray(next) ? next[0] : next
  return value?.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login') ? value : '/'
}

function messageFor(error: unknown, tenant: string): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.'
  switch (error.code) {
    case 'invalid_credentials':
      return `That e-mail and password don’t match an active account in workspace “${tenant}”. Check both and try again.`
    case 'login_locked':
      return `${error.problem.detail ?? 'Too many failed attempts.'} An administrator can also help.`
    case 'validation_failed':
      return 'Enter the workspace, a valid e-mail address and your password.'
    default:
      return error.problem.detail ?? error.problem.title
  }
}

export default function LoginPage() {
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const [tenant, setTenant] = createSignal('demo')
  const [email, setEmail] = createSignal('')
  const [password, setPassword] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [locked, setLocked] = createSignal(false)
  const [pending, setPending] = createSignal(false)
  let emailInput: HTMLInputElement | undefined

  onMount(async () => {
    document.title = 'Sign in · Tollgate'
    emailInput?.focus()
    // already signed in (another tab, or the back button): go straight on
    const current = session() ?? (session() === undefined ? await loadSession().catch(() => null) : null)
    if (current) navigate(safeNext(params.next), { replace: true })
  })

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    setPending(true)
    setError(null)
    setLocked(false)
    try {
      await signIn({ tenant: tenant().trim(), email: email().trim(), password: password() })
      navigate(safeNext(params.next), { replace: true })
    } catch (failure) {
      setLocked(failure instanceof ApiError && failure.code === 'login_locked')
      setError(messageFor(failure, tenant().trim()))
      setPassword('')
    } finally {
      setPending(false)
    }
  }

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-describedby={error() ? 'login-error' : undefined}>
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>
          Tollgate
        </div>
        <h1>Sign in to the console</h1>
        <Show when={params.next && safeNext(params.next) !== '/'}>
          <p class="login-note">Your session ended. Sign in again to go back to where you were.</p>
        </Show>
        <Show when={error()}>
          {(message) => (
            <p id="login-error" class="alert" classList={{ 'alert-warning': locked() }} role="alert">
              {message()}
            </p>
          )}
        </Show>
        <label class="field">
          <span class="field-label">Workspace</span>
          <input
            name="tenant"
            value={tenant()}
            onInput={(e) => setTenant(e.currentTarget.value)}
            autocomplete="organization"
            required
            maxLength={32}
          />
        </label>
        <label class="field">
          <span class="field-label">E-mail</span>
          <input
            ref={emailInput}
            name="email"
            type="email"
            value={email()}
            onInput={(e) => setEmail(e.currentTarget.value)}
            autocomplete="username"
            required
          />
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input
            name="password"
            type="password"
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
            autocomplete="current-password"
            required
          />
        </label>
        <button type="submit" class="button button-primary button-block" disabled={pending()}>
          {pending() ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
