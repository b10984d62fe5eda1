// The representatives' line (figure 2): a representative calls in, is recognised by the number they
// call from (ANI) or by their extension and PIN, and picks their availability queues on the keypad —
// 1 solo, 2 dual, 3 triple, several at once (“12#”) — with a preferred partner for dual and triple
// calls found by the first letters of a last name (keypad letters: 2 = ABC … 9 = WXYZ; the ACD's
// directory, server/acd/directory.ts, finds them). The choice is
// read back, and the ACD logs them in. A representative already logged in presses 9 to log out.
import type { DirectoryEntry, QueueKind } from '../server/acd/types.ts'
import { lineTelephony, promptOf } from '../server/billing/line-telephony.ts'
import type { FlowDeps, NumberEntry } from './deps.ts'
import type { CallChannel, DigitsPrompt } from './esl/types.ts'

/** The line has no service line of its own: its prompts are the defaults (or a deployer's files). */
const prompts = lineTelephony({})
const TRIES = 3
const LOGOUT_KEY = '9'
const queueOfKey = { 1: 'solo', 2: 'dual', 3: 'triple' } as const satisfies Record<string, QueueKind>

type LineRepresentative = DirectoryEntry

export async function runRepresentativeLine(
  deps: FlowDeps,
  call: CallChannel,
  entry: Extract<NumberEntry, { purpose: 'representatives' }>,
): Promise<void> {
  const log = deps.logger.child({ channel: call.uuid, line: 'representatives' })
  await call.execute('answer')
  const representative = await identify(deps, call, entry.tenantId)
  if (!representative) {
    log.info('representative not recognised')
    await goodbye(call, 'invalid')
    return
  }
  const presence = await deps.services.acd.presence(entry.tenantId, representative.id)
  const loggedIn = presence.state !== 'offline'

  const choice = await ask(call, {
    min: 1,
    max: 3,
    file: promptOf(prompts, 'representative_menu'),
    variable: 'tollgate_queue_choice',
    regexp: loggedIn ? '^([1-3]{1,3}|9)$' : '^[1-3]{1,3}$',
  })
  if (choice === undefined) return goodbye(call, 'invalid')
  if (choice === LOGOUT_KEY) {
    await deps.acd.logout(entry.tenantId, representative.id, { via: 'phone' })
    log.info({ representative_id: representative.id }, 'representative logged out by phone')
    await call.execute('playback', promptOf(prompts, 'representative_confirm'))
    return goodbye(call, 'goodbye')
  }
  const queues = queuesOf(choice)
  let partner: LineRepresentative | undefined
  if (queues.some((q) => q !== 'solo')) {
    // optional: '#' alone (or silence) means no preferred partner
    const letters = await ask(call, {
      min: 0,
      max: 4,
      file: promptOf(prompts, 'representative_menu'),
      variable: 'tollgate_partner_letters',
      regexp: '^[2-9]{0,4}$',
    })
    if (letters)
      [partner] = await deps.services.acd.partnersByLastName(entry.tenantId, letters, {
        excluding: representative.id,
        limit: 1,
      })
  }
  await deps.acd.login(entry.tenantId, representative.id, {
    queues,
    partnerId: partner?.id ?? null,
    via: 'phone',
  })
  log.info(
    { representative_id: representative.id, queues, partner_id: partner?.id ?? null },
    'representative logged in by phone',
  )
  // read back: the confirmation tone, the queue keys as chosen, then the partner's extension
  await call.execute('playback', promptOf(prompts, 'representative_confirm'))
  await say(call, queues.map((q) => keyOfQueue[q]).join(''))
  if (partner) await say(call, partner.extension)
  await goodbye(call, 'goodbye')
}

const keyOfQueue: Record<QueueKind, string> = { solo: '1', dual: '2', triple: '3' }

/** "21" → dual and solo, in keypad order, each once. */
export function queuesOf(digits: string): QueueKind[] {
  return (['1', '2', '3'] as const).filter((key) => digits.includes(key)).map((key) => queueOfKey[key])
}

/** By the number they call from, or else by extension and PIN (three tries). */
async function identify(
  deps: FlowDeps,
  call: CallChannel,
  tenantId: string,
): Promise<LineRepresentative | undefined> {
  const directory = deps.services.acd
  const byPhone = call.ani ? await directory.representativeByPhone(tenantId, call.ani) : null
  if (byPhone) return byPhone
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const extension = await ask(call, {
      min: 1,
      max: 8,
      file: promptOf(prompts, 'representative_menu'),
      variable: 'tollgate_extension',
      regexp: '^\\d{1,8}$',
    })
    if (extension === undefined) continue
    const pin = await ask(call, {
      min: 4,
      max: 8,
      file: promptOf(prompts, 'representative_menu'),
      variable: 'tollgate_pin',
      regexp: '^\\d{4,8}$',
      secret: true,
    })
    if (pin === undefined) continue
    const byPin = await directory.representativeByPin(tenantId, extension, pin)
    if (byPin) return byPin
    await call.execute('playback', promptOf(prompts, 'invalid'))
  }
  return undefined
}

/** The digits entered, or undefined on a timeout or a failed match. */
async function ask(
  call: CallChannel,
  prompt: Omit<DigitsPrompt, 'tries' | 'timeoutMs' | 'invalidFile' | 'terminators'>,
): Promise<string | undefined> {
  const result = await call.playAndGetDigits({
    tries: TRIES,
    timeoutMs: 5000,
    terminators: '#',
    invalidFile: promptOf(prompts, 'invalid'),
    digitTimeoutMs: 3000,
    ...prompt,
  })
  return result.result === 'success' ? result.digits : undefined
}

/** Digits read out one by one (mod_say); a switch without it still logs the representative in. */
async function say(call: CallChannel, digits: string): Promise<void> {
  if (!digits) return
  await call.execute('say', `en number iterated ${digits}`).catch(() => undefined)
}

async function goodbye(call: CallChannel, prompt: 'goodbye' | 'invalid'): Promise<void> {
  await call.execute('playback', promptOf(prompts, prompt)).catch(() => undefined)
  if (!call.isHungUp) await call.hangup('NORMAL_CLEARING').catch(() => undefined)
}
