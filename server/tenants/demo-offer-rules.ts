// The demo tenant's offer and treatment rules (step 8, the upsell document): which catalog offers an
// approval makes eligible — by the primary transaction (a large purchase, a card on file) and the
// second data element (the card issuer's tier, the customer's interests) — and how they are presented
// by the customer's demographics. The SKUs and tags are the demo catalog's (server/offers/, seeded at
// first start). Every offer rule is guarded by a fact of the request itself (a stored method, an
// amount of 75.00 or more), so ordinary traffic makes no offer eligible and pays nothing for offers;
// the treatment rules run only when some offer is eligible (rules/engine.ts).
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'

type DemoRule = RuleSetDefinitionInput['rules'][number]

const largePurchase = [
  { fact: 'kind', operator: 'equal', value: 'purchase' },
  { fact: 'amount', operator: 'greaterThanInclusive', value: 7500 },
]

export const demoOfferRules: DemoRule[] = [
  {
    id: 'offer-upsell-card-on-file',
    name: 'Upsell to a customer paying with a card on file',
    description:
      'A returning customer who pays with a stored card can take an upsell with one key or click: the extended reading and the membership (tag upsell)',
    priority: 1,
    enabled: true,
    conditions: { all: [{ fact: 'payment_method_stored', operator: 'equal', value: true }] },
    event: {
      type: 'offer' as const,
      params: { tag: 'upsell', weight: 1, message: 'A card on file: one-step upsell' },
    },
  },
  {
    id: 'offer-gift-on-large-purchase',
    name: 'Gift card with a purchase of 75.00 or more',
    description: 'A large purchase suggests a gift: offer what is tagged gift',
    priority: 1,
    enabled: true,
    conditions: { all: largePurchase },
    event: {
      type: 'offer' as const,
      params: { tag: 'gift', weight: 0.8, message: 'Large purchase: suggest a gift' },
    },
  },
  {
    id: 'offer-membership-premium-card',
    name: 'Membership for platinum and business card holders',
    description:
      'The card issuer’s designator (by BIN) says a platinum or business card: the premium membership weighs double',
    priority: 1,
    enabled: true,
    conditions: {
      all: [...largePurchase, { fact: 'card_tier', operator: 'in', value: ['platinum', 'business'] }],
    },
    event: {
      type: 'offer' as const,
      params: { sku: 'premium-membership', weight: 2, message: 'Premium card: premium membership' },
    },
  },
  {
    id: 'offer-deck-astrology-interest',
    name: 'Tarot deck for customers interested in astrology',
    description: 'The demographics database lists astrology among the customer’s interests',
    priority: 1,
    enabled: true,
    conditions: {
      all: [
        ...largePurchase,
        { fact: 'demographic_interest', params: { interest: 'astrology' }, operator: 'equal', value: true },
      ],
    },
    event: {
      type: 'offer' as const,
      params: { sku: 'tarot-deck', weight: 1.5, message: 'Interested in astrology' },
    },
  },
  // Presentation. Precedence: the higher priority wins each choice, then the earlier rule; the
  // unconditional rule below gives the default the segment rules override.
  {
    id: 'present-to-seniors',
    name: 'Detailed and slow for customers 65 and over',
    description: 'Older customers hear and read the detailed treatment, at a slow pace',
    priority: 10,
    enabled: true,
    conditions: { all: [{ fact: 'demographic_age_band', operator: 'equal', value: '65+' }] },
    event: {
      type: 'treatment' as const,
      params: { segment: 'senior', style: 'detailed', pace: 'slow', message: 'Customer 65 or over' },
    },
  },
  {
    id: 'present-to-young-adults',
    name: 'Concise and fast for customers 18 to 34',
    description: 'Young adults get the concise treatment at a brisk pace',
    priority: 10,
    enabled: true,
    conditions: {
      all: [{ fact: 'demographic_age_band', operator: 'in', value: ['18-24', '25-34'] }],
    },
    event: {
      type: 'treatment' as const,
      params: { segment: 'young_adult', style: 'concise', pace: 'fast', message: 'Customer 18 to 34' },
    },
  },
  {
    id: 'present-concise-by-default',
    name: 'Concise by default',
    description: 'Everyone else gets the concise treatment at a normal pace',
    priority: 1,
    enabled: true,
    conditions: { all: [] },
    event: {
      type: 'treatment' as const,
      params: { style: 'concise', pace: 'normal', message: 'Default presentation' },
    },
  },
]
