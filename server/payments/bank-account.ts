// Checking and EFT accounts: like a card, reduced at capture to what may be kept — the routing
// number (public: it names the bank), the last four of the account and a keyed fingerprint. The
// account number itself is never stored, logged or returned.
import { createHmac } from 'node:crypto'
import type { CapturedBankAccount } from '../../rules/request.ts'

/** The ABA routing number's check digit: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function routingNumberValid(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false
  const d = [...routing].map(Number)
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1]
  return d.reduce((sum, digit, i) => sum + digit * (weights[i] ?? 0), 0) % 10 === 0
}

export function captureBankAccount(
  secret: string,
  account: { routing_number: string; account_number: string },
): CapturedBankAccount {
  const digits = account.account_number.replace(/[ -]/g, '')
  return {
    routing_number: account.routing_number,
    routing_valid: routingNumberValid(account.routing_number),
    last4: digits.slice(-4),
    fingerprint: `pmf_${createHmac('sha256', secret)
      .update(`bank:${account.routing_number}:${digits}`)
      .digest('base64url')
      .slice(0, 27)}`,
  }
}
