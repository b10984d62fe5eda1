// SANDBOX data providers, served by Tollgate itself at POST /sandbox/providers/{kind} so the demo
// tenant's providers are called through the real client — HTTP, deadline, retries, breaker and
// cache — with answers that depend only on the input. Not a real data source: nothing here looks
// anything up, stores anything or reads the database (a decision waiting on it may hold the only
// PGlite connection). Deterministic answers:
//
//   every kind      a phone (ANI) ending 9999, or a bank account ending 9999 → 500
//   ani_line_type   ending 0000 → prison · 1111 → pay_phone · 2222 → cellular, ported ·
//                   3333 → voip · otherwise landline
//   credit_bureau   e-mail at unverified.example → identity not verified (no file) ·
//                   postal code 99999 → answers after 5 s (for timeouts) ·
//                   e-mail starting "flaky" → 500 on the first attempt, an answer on the next ·
//                   otherwise verified, with bands derived from the name and birth date
//   check_approval  account ending 0000 → declined · 1111 → risk · otherwise approved
//   demographics    e-mail at unlisted.example → not found · otherwise found, with bands picked
//                   by the hash of the e-mail (else phone, else name and postal code), except an
//                   e-mail or name containing "senior" → 65+, retired · "young" or "student" →
//                   18-24, student · "family" → married_with_children
//   card_issuer     BIN 999999 → 500 · the issuer by the first digit (4 Visa, 5 Mastercard, 3 Amex,
//                   6 Discover) and the tier by the BIN's last digit: 0–3 standard, 4–5 gold,
//                   6–7 platinum, 8 business, 9 prepaid (424242 standard, 555555 gold, 400056 platinum)
import { createHash } from 'node:crypto'
import { Hono } from 'hono'
import {
  isProviderKind,
  type ProviderAnswer,
  type ProviderKind,
  type ProviderQuery,
  providerQuerySchemas,
} from '../../rules/facts/providers.ts'
import { bodyLimit } from '../http/body-limit.ts'

export const SANDBOX_SLOW_MS = 5000

/** A stable pick from a list by the hash of a text. */
function pick<T>(text: string, options: readonly T[]): T {
  const digest = createHash('sha256').update(text).digest()
  return options[(digest[0] ?? 0) % options.length] as T
}

function ageBand(birthDate: string | null, now: Date): ProviderAnswer<'credit_bureau'>['age_band'] {
  if (!birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return null
  const born = new Date(`${birthDate}T00:00:00Z`)
  let age = now.getUTCFullYear() - born.getUTCFullYear()
  const beforeBirthday =
    now.getUTCMonth() < born.getUTCMonth() ||
    (now.getUTCMonth() === born.getUTCMonth() && now.getUTCDate() < born.getUTCDate())
  if (beforeBirthday) age--
  if (age < 18) return null
  if (age < 25) return '18-24'
  if (age < 35) return '25-34'
  if (age < 45) return '35-44'
  if (age < 55) return '45-54'
  if (age < 65) return '55-64'
  return '65+'
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

type SandboxReply = { answer: ProviderAnswer } | { fail: number } | { slowMs: number; answer: ProviderAnswer }

function aniLineType(q: ProviderQuery<'ani_line_type'>): SandboxReply {
  if (q.phone.endsWith('9999')) return { fail: 500 }
  const lineType = q.phone.endsWith('0000')
    ? 'prison'
    : q.phone.endsWith('1111')
      ? 'pay_phone'
      : q.phone.endsWith('2222')
        ? 'cellular'
        : q.phone.endsWith('3333')
          ? 'voip'
          : 'landline'
  return {
    answer: {
      line_type: lineType,
      carrier: lineType === 'prison' ? 'Sandbox Correctional Telecom' : 'Sandbox Telco',
      ported: lineType === 'cellular',
      listed_name: null,
      listed_postal_code: null,
    },
  }
}

function creditBureau(q: ProviderQuery<'credit_bureau'>, attempt: number): SandboxReply {
  if (q.phone?.endsWith('9999')) return { fail: 500 }
  const email = q.email?.toLowerCase() ?? ''
  if (email.startsWith('flaky') && attempt <= 1) return { fail: 500 }
  if (email.endsWith('@unverified.example'))
    return {
      answer: {
        identity_verified: false,
        score_band: 'no_file',
        address_match: 'none',
        age_band: null,
        income_band: null,
        designator: null,
      },
    }
  const name = q.name.toLowerCase()
  const answer: ProviderAnswer<'credit_bureau'> = {
    identity_verified: true,
    score_band: pick(`score:${name}`, ['excellent', 'good', 'good', 'fair'] as const),
    address_match: q.address?.postal_code ? (q.address.line1 ? 'full' : 'partial') : 'none',
    age_band: ageBand(q.birth_date, new Date()),
    income_band: pick(`income:${name}`, ['low', 'middle', 'upper_middle', 'high'] as const),
    designator: pick(`designator:${name}`, ['SB-STANDARD', 'SB-GOLD', 'SB-PLATINUM'] as const),
  }
  if (q.address?.postal_code?.replace(/\s+/g, '') === '99999') return { slowMs: SANDBOX_SLOW_MS, answer }
  return { answer }
}

function checkApproval(q: ProviderQuery<'check_approval'>): SandboxReply {
  if (q.account_last4.endsWith('9999')) return { fail: 500 }
  if (q.account_last4.endsWith('0000'))
    return { answer: { result: 'declined', reason: 'returned items on this account' } }
  if (q.account_last4.endsWith('1111')) return { answer: { result: 'risk', reason: 'new account' } }
  return { answer: { result: 'approved', reason: null } }
}

function demographics(q: ProviderQuery<'demographics'>): SandboxReply {
  if (q.phone?.endsWith('9999')) return { fail: 500 }
  const email = q.email?.toLowerCase() ?? ''
  if (email.endsWith('@unlisted.example')) return { answer: { ...emptyDemographics, found: false } }
  const key = email || q.phone || `${q.name?.toLowerCase() ?? ''}|${q.postal_code ?? ''}`
  const hint = `${email} ${q.name?.toLowerCase() ?? ''}`
  const senior = hint.includes('senior')
  const young = hint.includes('young') || hint.includes('student')
  const answer: ProviderAnswer<'demographics'> = {
    found: true,
    age_band: senior
      ? '65+'
      : young
        ? '18-24'
        : pick(`age:${key}`, ['25-34', '35-44', '45-54', '55-64'] as const),
    sex: pick(`sex:${key}`, ['female', 'male'] as const),
    income_band: pick(`income:${key}`, ['low', 'middle', 'upper_middle', 'high'] as const),
    occupation: senior
      ? 'retired'
      : young
        ? 'student'
        : pick(`occupation:${key}`, ['teacher', 'nurse', 'engineer', 'sales', 'self_employed'] as const),
    education: pick(`education:${key}`, ['secondary', 'vocational', 'bachelor', 'postgraduate'] as const),
    family_status: hint.includes('family')
      ? 'married_with_children'
      : senior
        ? 'empty_nester'
        : pick(`family:${key}`, ['single', 'couple', 'married_with_children'] as const),
    lifestyle: pick(`lifestyle:${key}`, ['urban_professional', 'outdoors', 'homebody', 'traveller'] as const),
    interests: [
      pick(`interest1:${key}`, ['astrology', 'wellness', 'travel'] as const),
      pick(`interest2:${key}`, ['books', 'music', 'cooking'] as const),
    ],
  }
  return { answer }
}

const emptyDemographics: ProviderAnswer<'demographics'> = {
  found: false,
  age_band: null,
  sex: null,
  income_band: null,
  occupation: null,
  education: null,
  family_status: null,
  lifestyle: null,
  interests: [],
}

const issuersByFirstDigit: Record<string, string> = {
  '3': 'Sandbox Amex Bank',
  '4': 'Sandbox Visa Bank',
  '5': 'Sandbox Mastercard Bank',
  '6': 'Sandbox Discover Bank',
}
const tiersByLastDigit = [
  'standard',
  'standard',
  'standard',
  'standard',
  'gold',
  'gold',
  'platinum',
  'platinum',
  'business',
  'prepaid',
] as const

function cardIssuer(q: ProviderQuery<'card_issuer'>): SandboxReply {
  if (q.bin === '999999') return { fail: 500 }
  const issuer = issuersByFirstDigit[q.bin[0] ?? ''] ?? null
  const tier = tiersByLastDigit[Number(q.bin[q.bin.length - 1] ?? 0)] ?? 'standard'
  const tierCode = { standard: 'STD', gold: 'GLD', platinum: 'PLT', business: 'BUS', prepaid: 'PPD' }[tier]
  return {
    answer: {
      issuer_name: issuer,
      designator: issuer ? `SBX-${tierCode}-${q.bin.slice(0, 4)}` : null,
      tier: issuer ? tier : null,
      product: issuer ? `${issuer.replace(' Bank', '')} ${tier[0]?.toUpperCase()}${tier.slice(1)}` : null,
    },
  }
}

function reply<K extends ProviderKind>(kind: K, query: ProviderQuery, attempt: number): SandboxReply {
  switch (kind) {
    case 'ani_line_type':
      return aniLineType(query as ProviderQuery<'ani_line_type'>)
    case 'credit_bureau':
      return creditBureau(query as ProviderQuery<'credit_bureau'>, attempt)
    case 'demographics':
      return demographics(query as ProviderQuery<'demographics'>)
    case 'card_issuer':
      return cardIssuer(query as ProviderQuery<'card_issuer'>)
    default:
      return checkApproval(query as ProviderQuery<'check_approval'>)
  }
}

/** The sandbox's routes, mounted at /sandbox by the app. */
export function sandboxRoutes() {
  const app = new Hono()
  app.use('*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json({ error: 'body too large' }, 413) }))
  app.post('/providers/:kind', async (c) => {
    const kind = c.req.param('kind')
    if (!isProviderKind(kind)) return c.json({ error: `no sandbox provider of kind ${kind}` }, 404)
    const body: unknown = await c.req.json().catch(() => null)
    const query = providerQuerySchemas[kind].safeParse(
      typeof body === 'object' && body !== null && 'query' in body ? body.query : undefined,
    )
    if (!query.success) return c.json({ error: 'send {"query": …} as the provider kind expects' }, 400)
    const attempt = Number(c.req.header('x-tollgate-attempt') ?? 1)
    const result = reply(kind, query.data, Number.isFinite(attempt) ? attempt : 1)
    if ('fail' in result) return c.json({ error: 'sandbox failure (by design, for this input)' }, 500)
    if ('slowMs' in result) await sleep(result.slowMs, c.req.raw.signal)
    return c.json({ sandbox: true, answer: result.answer })
  })
  return app
}
