// Who is signed in: one signal for the whole console, filled from GET /admin/v1/session and
// cleared on sign-out or when the server answers 401.
import { createSignal } from 'solid-js'
import { ApiError, api, request, setCsrfToken } from './api.ts'
import { type Role, roleAtLeast } from './roles.ts'

export interface StaffSession {
  user: { id: string; email: string; name: string; role: Role }
  tenant: string
  csrf_token: string
  expires_at: string
}

/** undefined while unknown, null when nobody is signed in */
const [session, setSessionSignal] = createSignal<StaffSession | null | undefined>(undefined)

export { session }

export function setSession(value: StaffSession | null): void {
  setCsrfToken(value?.csrf_token ?? null)
  setSessionSignal(value)
}

/** Asks the server who is signed in; null when the cookie is missing or expired. */
export async function loadSession(): Promise<StaffSession | null> {
  try {
    const current = await request<StaffSession>('GET', '/session', { redirectOn401: false })
    setSession(current)
    return current
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setSession(null)
      return null
    }
    throw error
  }
}

export async function signIn(input: {
  tenant: string
  email: string
  password: string
}): Promise<StaffSession> {
  const signedIn = await api.post<StaffSession>('/session', input, { redirectOn401: false })
  setSession(signedIn)
  return signedIn
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/session', { redirectOn401: false })
  } finally {
    setSession(null)
  }
}

/** Whether the signed-in user's role reaches `least`; pages and actions beyond it are hidden. */
export function can(least: Role): boolean {
  const current = session()
  return current ? roleAtLeast(current.user.role, least) : false
}
