// The demo tenant's rule set: the source documents' own examples (figures 4, 8, 9 and 10) —
// negative lists, no ANI, institutions and line types, mismatched entries (the third within an hour
// blocks), card validity, address and security-code verification (a typed card without its code or
// postal code is sent back to be completed), prepaid cards, and the allowances of
// 2 sessions a day, 40 minutes a day, 50 a week, 85 a month and 100.00 a month; and its discounts,
// for paying by bank account and for a frequent customer.
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { externalVerificationRules } from '../providers/demo.ts'
import { demoOfferRules } from './demo-offer-rules.ts'

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
  description: 'Protects callers against excess usage and billing',
  priority: 1,
  enabled: true,
  conditions: { all: [] },
  event: {
    type: 'allowance' as const,
    params: { subject: 'customer' as const, metric, window, limit, message },
  },
})

export const demoRuleSet: RuleSetDefinitionInput = {
  settings: {
    currency: 'USD',
    billing_increment_seconds: 60,
    session_hold_amount: 5000,
    // one offer per contact; 5 % of customers held out of each offer to measure its lift
    offers: { max_per_contact: 1, control_percent: 5 },
  },
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
      // the check above reads null when no entered number was sent: without this rule, leaving
      // entered.phone out of a phone request would pass it
      id: 'entered-phone-missing',
      name: 'Caller did not enter their number',
      description: 'A phone request must carry the number the caller entered, to compare with the ANI',
      priority: 5,
      enabled: true,
      conditions: {
        all: [
          { fact: 'channel', operator: 'equal', value: 'phone' },
          { fact: 'ani_present', operator: 'equal', value: true },
          { fact: 'entered_phone_present', operator: 'equal', value: false },
        ],
      },
      event: {
        type: 'temporary_block' as const,
        params: {
          reason_code: 'entered_phone_missing',
          message: 'Ask the caller to enter the number they are calling from',
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
    {
      id: 'institution-phone',
      name: 'Calls from prisons, pay phones and areas without ANI',
      description:
        'Numbers the reference data places in a prison, at a pay phone or in an area that cannot forward ANI are blocked',
      priority: 10,
      enabled: true,
      conditions: {
        all: [{ fact: 'line_type', operator: 'in', value: ['prison', 'pay_phone', 'no_ani_area'] }],
      },
      event: {
        type: 'block' as const,
        params: {
          reason_code: 'institution.phone',
          message: 'Calls from this kind of line are not accepted',
        },
      },
    },
    {
      id: 'institution-ip',
      name: 'Sessions from prison and kiosk networks',
      description: 'Addresses the reference data places in a prison or at a public kiosk are blocked',
      priority: 10,
      enabled: true,
      conditions: { all: [{ fact: 'ip_institution', operator: 'in', value: ['prison', 'pay_phone'] }] },
      event: {
        type: 'block' as const,
        params: {
          reason_code: 'institution.ip',
          message: 'Requests from this network are not accepted',
        },
      },
    },
    {
      id: 'repeated-mismatches',
      name: 'Third identity mismatch within an hour',
      description:
        'A mismatch is a temporary block with a retry; the third within an hour (two earlier ones and this) is a block',
      priority: 10,
      enabled: true,
      conditions: {
        all: [
          {
            any: [
              { fact: 'entered_phone_matches_ani', operator: 'equal', value: false },
              { fact: 'entered_ip_matches_network_ip', operator: 'equal', value: false },
            ],
          },
          { fact: 'recent_mismatches', params: { hours: 1 }, operator: 'greaterThanInclusive', value: 2 },
        ],
      },
      event: {
        type: 'block' as const,
        params: {
          reason_code: 'identity.repeated_mismatch',
          message: 'Too many entries that did not match; this caller is blocked',
        },
      },
    },
    {
      id: 'avs-postal-mismatch',
      name: 'Billing postal code does not match',
      description:
        'The issuer does not know this postal code for the card: the buyer may correct it and retry',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'avs_result', operator: 'in', value: ['no_match', 'street_only'] }] },
      event: {
        type: 'temporary_block' as const,
        params: {
          reason_code: 'avs.postal_mismatch',
          message: 'The billing postal code does not match the card',
          retry_after_seconds: 0,
        },
      },
    },
    {
      id: 'security-code-mismatch',
      name: 'Card security code does not match',
      description: 'The buyer may re-enter the security code and retry',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'cvc_result', operator: 'equal', value: 'no_match' }] },
      event: {
        type: 'temporary_block' as const,
        params: {
          reason_code: 'security_code.mismatch',
          message: 'The card security code does not match',
          retry_after_seconds: 0,
        },
      },
    },
    // Leaving out what a check needs must not pass it: a typed card without its security code or
    // billing postal code is sent back to be completed (a stored method reads null and is not asked).
    {
      id: 'security-code-not-given',
      name: 'Card typed without its security code',
      description: 'The security code check needs the code: the buyer may enter it and retry',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'cvc_result', operator: 'equal', value: 'not_provided' }] },
      event: {
        type: 'temporary_block' as const,
        params: {
          reason_code: 'security_code.not_provided',
          message: 'Enter the card security code',
          retry_after_seconds: 0,
        },
      },
    },
    {
      id: 'billing-postal-not-given',
      name: 'Card typed without a billing postal code',
      description: 'Address verification needs the billing postal code: the buyer may enter it and retry',
      priority: 5,
      enabled: true,
      conditions: { all: [{ fact: 'avs_result', operator: 'equal', value: 'not_provided' }] },
      event: {
        type: 'temporary_block' as const,
        params: {
          reason_code: 'avs.postal_not_provided',
          message: 'Enter the card’s billing postal code',
          retry_after_seconds: 0,
        },
      },
    },
    {
      id: 'prepaid-card-limit',
      name: 'Prepaid cards up to 50.00',
      description: 'A prepaid card (by its BIN) may pay up to 50.00 at a time',
      priority: 5,
      enabled: true,
      conditions: {
        all: [
          { fact: 'card_funding', operator: 'equal', value: 'prepaid' },
          { fact: 'amount', operator: 'greaterThan', value: 5000 },
        ],
      },
      event: {
        type: 'limit' as const,
        params: { reason_code: 'card.prepaid_limit', message: 'Prepaid cards may pay up to 50.00' },
      },
    },
    // figure 10, steps 1014–1016: unknown customers verified by the (sandbox) providers
    ...externalVerificationRules,
    // The seed's discounts (figures 8 and 9): one for paying by a method convenient for billing, and
    // one for a frequent customer still within their allowances (over one, the outcome is a limit
    // and no discount is granted). They add up (settings.discount_stacking, default sum).
    {
      id: 'preferred-method-bank',
      name: 'Paying by bank account: 5 % off',
      description:
        'Checking and EFT are charged directly, with no card fees or holds: the method the billing system prefers',
      priority: 1,
      enabled: true,
      conditions: { all: [{ fact: 'payment_method_type', operator: 'in', value: ['checking', 'eft'] }] },
      event: {
        type: 'discount' as const,
        params: { code: 'PAY_BY_BANK', percent_off: 5, message: '5 % off for paying by bank account' },
      },
    },
    {
      id: 'frequent-customer',
      name: 'Frequent customer: 2.00 off',
      description: 'Three or more purchases or sessions in the last 30 days',
      priority: 1,
      enabled: true,
      conditions: {
        any: [
          {
            fact: 'usage',
            params: { subject: 'customer', metric: 'purchases', window: 'hours', hours: 720 },
            operator: 'greaterThanInclusive',
            value: 3,
          },
          {
            fact: 'usage',
            params: { subject: 'customer', metric: 'sessions', window: 'hours', hours: 720 },
            operator: 'greaterThanInclusive',
            value: 3,
          },
        ],
      },
      event: {
        type: 'discount' as const,
        params: { code: 'FREQUENT', amount_off: 200, message: '2.00 off for a frequent customer' },
      },
    },
    // step 8: the offers an approval makes eligible, and how they are presented
    ...demoOfferRules,
    allowance('sessions-per-day', 'Two sessions a day', 'sessions', 'day', 2, 'Two sessions a day'),
    allowance('minutes-per-day', '40 minutes a day', 'minutes', 'day', 40, '40 minutes a day'),
    allowance('minutes-per-week', '50 minutes a week', 'minutes', 'week', 50, '50 minutes a week'),
    allowance('minutes-per-month', '85 minutes a month', 'minutes', 'month', 85, '85 minutes a month'),
    allowance('spend-per-month', '100.00 a month', 'amount', 'month', 10_000, 'Spending of 100.00 a month'),
  ],
}
