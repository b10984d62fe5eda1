// A checking / EFT session is charged directly at its end, with no hold (the seed: "the reverse
// authorization feature is not used"), so the bank account must outlive the request that gave it —
// the sweeper may end the session after a crash. It is kept sealed (AES-256-GCM under a key derived
// from TOLLGATE_SECRET) on the session row only until that charge is made, then erased; it is never
// logged or returned. Cards never take this path: a card session is settled through its hold.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import type { PaymentSource } from '../payments/port.ts'

type BankSource = Extract<PaymentSource, { type: 'bank_account' }>

function key(secret: string): Buffer {
  return createHmac('sha256', secret).update('tollgate session bank accounts').digest()
}

export function sealBankSource(secret: string, source: BankSource): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key(secret), iv)
  const sealed = Buffer.concat([cipher.update(JSON.stringify(source), 'utf8'), cipher.final()])
  return [iv, cipher.getAuthTag(), sealed].map((b) => b.toString('base64url')).join('.')
}

export function unsealBankSource(secret: string, sealed: string): BankSource {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'))
  if (!iv || !tag || !data) throw new Error('malformed sealed bank account')
  const decipher = createDecipheriv('aes-256-gcm', key(secret), iv)
  decipher.setAuthTag(tag)
  return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')) as BankSource
}
