// A rule set for review-desk tests: negative-listed identifiers are blocked, purchases over 500.00
// go to a person, everything else is approved.
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'

export const reviewRuleSet: RuleSetDefinitionInput = {
  settings: { currency: 'USD' },
  rules: [
    ...(['phone', 'email', 'card', 'device'] as const).map((subject) => ({
      id: `negative-${subject}`,
      name: `Negative list: ${subject}`,
      priority: 10,
      conditions: {
        all: [{ fact: 'list_hit', params: { list: 'negative', subject }, operator: 'equal', value: true }],
      },
      event: {
        type: 'block' as const,
        params: {
          reason_code: `negative_list.${subject}`,
          message: `The ${subject} is on the negative list`,
        },
      },
    })),
    {
      id: 'big-purchase',
      name: 'Big purchase',
      conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 50_000 }] },
      event: {
        type: 'review' as const,
        params: { reason_code: 'big_purchase', message: 'A person looks at purchases over 500.00' },
      },
    },
  ],
}

/** A card number of its own per n, with a valid Luhn check digit. */
export function cardNumber(n: number): string {
  const body = `400000${String(n).padStart(9, '0')}`
  let sum = 0
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i])
    if (i % 2 === 0) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return `${body}${(10 - (sum % 10)) % 10}`
}

/** A purchase by a customer of its own, over the review threshold unless an amount is given. */
export function customerPurchase(n: number, amount = 60_000) {
  return {
    kind: 'purchase',
    channel: 'web',
    amount: { value: amount, currency: 'USD' },
    customer: {
      id: `c-${n}`,
      email: `buyer${n}@example.com`,
      phone: `+1555555${String(1000 + n).slice(-4)}`,
    },
    network: { ip: `198.51.100.${n}`, device_id: `dev-${n}` },
    payment_method: {
      type: 'card',
      card: { number: cardNumber(n), exp_month: 12, exp_year: 2030 },
    },
  }
}
