// The demo tenant's rule set: the source documents' own examples (figures 4, 8, 9 and 10) —
// negative lists, no ANI, mismatched entries, card validity, and the call-limiting allowances of
// 2 sessions a day, 40 minutes a day, 50 a week, 85 a month and 100.00 a month.
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'

const allowance = (
  id: string,
  name: string,
  metric: 'sessions' | 'minutes' | 'amount',
  window: 'day' | 'week' | 'month',
  limit: number,
  message: string,
) => ({
  id,
  name,
  description: 'Protects callers against excess usage and billing (figure 4, block 401)',
  priority: 1,
  enabled: true,
  conditions: { all: [] },
  event: {
    type: 'allowance' as const,
    params: { subject: 'customer' as const, metric, window, limit, message },
  },
})

export const demoRuleSet: RuleSetDefinitionInput = {
  settings: { currency: 'USD', billing_increment_seconds: 60, session_hold_amount: 5000 },
  rules: [
    ...(['phone', 'ip', 'card'] as const).map((subject) => ({
      id: `negative-${subject}`,
      name: `Negative list: ${subject}`,
      description: `Block a ${subject} on the negative list`,
      priority: 10,
      enabled: true,
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
      id: 'no-ani',
      name: 'Phone call without ANI',
      description: 'A call whose number was not forwarded cannot be checked, so it is blocked',
      priority: 10,
      enabled: true,
      conditions: {
        all: [
          { fact: 'channel', operator: 'equal', value: 'phone' },
          { fact: 'ani_present', operator: 'equal', value: false },
        ],
      },
      event: {
        type: 'block' as const,
        params: { reason_code: 'no_ani', message: 'The caller’s number was not forwarded' },
      },
    },
    {
      id: 'entered-phone-mismatch',
      name: 'Entered phone differs from ANI',
      description: 'The caller may correct the number and try again',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'entered_phone_matches_ani', operator: 'equal', value: false }] },
      event: {
        type: 'temporary_block' as const,
        params: {
          reason_code: 'entered_phone_mismatch',
          message: 'The number entered is not the number calling',
          retry_after_seconds: 0,
        },
      },
    },
    {
      id: 'entered-ip-mismatch',
      name: 'Entered IP differs from network IP',
      description: 'The user may correct the address and try again',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'entered_ip_matches_network_ip', operator: 'equal', value: false }] },
      event: {
        type: 'temporary_block' as const,
        params: {
          reason_code: 'entered_ip_mismatch',
          message: 'The address entered is not the address connecting',
          retry_after_seconds: 0,
        },
      },
    },
    {
      id: 'card-expired',
      name: 'Expired card',
      description: 'A card past its expiry month is blocked',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'card_expired', operator: 'equal', value: true }] },
      event: {
        type: 'block' as const,
        params: { reason_code: 'card.expired', message: 'The card has expired' },
      },
    },
    {
      id: 'card-invalid',
      name: 'Invalid card number',
      description: 'A number that fails the Luhn check is not a card',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'card_luhn_valid', operator: 'equal', value: false }] },
      event: {
        type: 'block' as const,
        params: { reason_code: 'card.invalid', message: 'The card number is invalid' },
      },
    },
    allowance('sessions-per-day', 'Two sessions a day', 'sessions', 'day', 2, 'Two sessions a day'),
    allowance('minutes-per-day', '40 minutes a day', 'minutes', 'day', 40, '40 minutes a day'),
    allowance('minutes-per-week', '50 minutes a week', 'minutes', 'week', 50, '50 minutes a week'),
    allowance('minutes-per-month', '85 minutes a month', 'minutes', 'month', 85, '85 minutes a month'),
    allowance('spend-per-month', '100.00 a month', 'amount', 'month', 10_000, 'Spending of 100.00 a month'),
  ],
}
