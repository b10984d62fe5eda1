// Card numbers: the Luhn check, the brand from the BIN, and the keyed fingerprint. The full number
// exists only inside capture(); what leaves it is BIN, last four, brand and fingerprint.
import { createHmac } from 'node:crypto'

export function luhnValid(digits: string): boolean {
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return digits.length > 0 && sum % 10 === 0
}

const brandRanges: [brand: string, test: (n: string) => boolean][] = [
  ['amex', (n) => /^3[47]/.test(n)],
  ['diners', (n) => /^3(0[0-5]|[68])/.test(n)],
  ['jcb', (n) => /^35(2[89]|[3-8])/.test(n)],
  ['visa', (n) => n.startsWith('4')],
  [
    'mastercard',
    (n) => /^5[1-5]/.test(n) || (Number(n.slice(0, 4)) >= 2221 && Number(n.slice(0, 4)) <= 2720),
  ],
  ['discover', (n) => /^(6011|65|64[4-9])/.test(n)],
  ['unionpay', (n) => n.startsWith('62')],
]

export function cardBrand(digits: string): string {
  return brandRanges.find(([, test]) => test(digits))?.[0] ?? 'unknown'
}

/** A keyed fingerprint: stable for one deployment secret, useless without it. */
export function cardFingerprint(secret: string, digits: string): string {
  return `pmf_${createHmac('sha256', secret).update(`card:${digits}`).digest('base64url').slice(0, 27)}`
}
