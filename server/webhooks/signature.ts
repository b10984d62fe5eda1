// Webhook signatures: HMAC-SHA256 over "<unix seconds>.<body>", sent as
// "Tollgate-Signature: t=<unix seconds>,v1=<hex>". The timestamp inside the signed text stops a
// captured delivery from being replayed later; receivers check it against a tolerance.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'Tollgate-Signature'

export function computeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`
}

/**
 * Checks a Tollgate-Signature header against the raw body as received (before any JSON parsing).
 * Accepts any of several v1 values, so a receiver keeps working while a secret is rotated.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  toleranceSeconds = 300,
  nowMs = Date.now(),
): boolean {
  if (!header) return false
  let timestamp: number | null = null
  const candidates: string[] = []
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2)
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value)
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value)
  }
  if (timestamp === null || !candidates.length) return false
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex')
  return candidates.some((candidate) => timingSafeEqual(Buffer.from(candidate, 'hex'), expected))
}
