// The demo tenant's catalog (first start): the offers the demo rule set's offer events name by SKU
// or tag, with stock, contact policies, and phone and web treatments for everyone ('*') and for the
// segments the demo's treatment rules choose (senior: detailed and slow; young_adult: concise and
// fast). Phone prompts are tone_stream:// so a bare FreeSWITCH plays them; the script says the words.
import type { Db } from '../../db/connect.ts'
import { addTreatment, createOffer, type OfferInput, type TreatmentInput } from './catalog.ts'

const chime = 'tone_stream://%(200,100,660,880);%(400,0,1047)'

interface DemoOffer extends OfferInput {
  id: string
  treatments: (TreatmentInput & { id: string })[]
}

export const demoOffers: DemoOffer[] = [
  {
    id: 'off_reading_ext_15',
    sku: 'reading-ext-15',
    name: 'Extended reading, 15 more minutes',
    description: 'Fifteen more minutes with your advisor, at a better rate than by the minute',
    price: 1499,
    currency: 'USD',
    value: 1200,
    tags: ['upsell', 'reading'],
    channels: ['phone', 'web', 'call_out', 'email'],
    stock_mode: 'unlimited',
    max_offers_per_customer: 2,
    window_days: 7,
    decline_cooldown_days: 3,
    reservation_seconds: 900,
    treatments: [
      {
        id: 'otr_reading_phone',
        name: 'Phone, everyone',
        channel: 'phone',
        prompt: chime,
        script:
          'Add fifteen more minutes with your advisor for 14 dollars 99. Press 1 to add them, 2 for no thanks.',
      },
      {
        id: 'otr_reading_phone_senior',
        name: 'Phone, seniors: slow and detailed',
        channel: 'phone',
        segment: 'senior',
        style: 'detailed',
        pace: 'slow',
        prompt: chime,
        script:
          'Would you like more time with your advisor today? For 14 dollars and 99 cents you get fifteen more minutes, charged to the card you paid with. Press 1 to add the fifteen minutes. Press 2 if you do not want them.',
      },
      {
        id: 'otr_reading_phone_young',
        name: 'Phone, young adults: short',
        channel: 'phone',
        segment: 'young_adult',
        style: 'concise',
        pace: 'fast',
        prompt: chime,
        script: '15 more minutes, 14.99. Press 1.',
      },
      {
        id: 'otr_reading_web',
        name: 'Web, everyone',
        channel: 'web',
        text: 'Keep talking: add 15 more minutes with your advisor for $14.99.',
        image_url: 'https://images.example.com/tollgate/reading-15.png',
      },
    ],
  },
  {
    id: 'off_gift_card_25',
    sku: 'gift-card-25',
    name: 'Gift card, 25 USD',
    description: 'A gift card for a reading, sent by e-mail',
    price: 2500,
    currency: 'USD',
    value: 500,
    tags: ['gift'],
    channels: ['web', 'phone', 'email', 'call_out'],
    stock_mode: 'tracked',
    stock_on_hand: 200,
    max_offers_per_customer: 1,
    window_days: 30,
    decline_cooldown_days: 14,
    reservation_seconds: 900,
    treatments: [
      {
        id: 'otr_gift_phone',
        name: 'Phone, everyone',
        channel: 'phone',
        prompt: chime,
        script:
          'Give a reading to someone you love: a 25 dollar gift card, sent by e-mail. Press 1 to buy it.',
      },
      {
        id: 'otr_gift_web',
        name: 'Web, everyone',
        channel: 'web',
        text: 'Give a reading: a $25 gift card, delivered by e-mail.',
        image_url: 'https://images.example.com/tollgate/gift-card-25.png',
      },
      {
        id: 'otr_gift_web_senior',
        name: 'Web, seniors: detailed',
        channel: 'web',
        segment: 'senior',
        style: 'detailed',
        text: 'A gift for your family or friends: a $25 gift card for a reading with any of our advisors. We e-mail it to them with your message, and it never expires.',
        image_url: 'https://images.example.com/tollgate/gift-card-25.png',
      },
    ],
  },
  {
    id: 'off_premium_membership',
    sku: 'premium-membership',
    name: 'Premium membership, one month',
    description: 'Priority in the queue and 10 % off every minute for a month',
    price: 999,
    currency: 'USD',
    value: 999,
    tags: ['membership', 'upsell'],
    channels: ['web', 'phone', 'call_out', 'email'],
    stock_mode: 'unlimited',
    decline_cooldown_days: 30,
    reservation_seconds: 900,
    treatments: [
      {
        id: 'otr_premium_phone',
        name: 'Phone, everyone',
        channel: 'phone',
        prompt: chime,
        script:
          'Skip the queue and save 10 percent on every minute: premium membership, 9 dollars 99 for a month. Press 1 to join.',
      },
      {
        id: 'otr_premium_phone_young',
        name: 'Phone, young adults: short',
        channel: 'phone',
        segment: 'young_adult',
        pace: 'fast',
        prompt: chime,
        script: 'Premium: no queue, 10 percent off, 9.99 a month. Press 1.',
      },
      {
        id: 'otr_premium_web',
        name: 'Web, everyone',
        channel: 'web',
        text: 'Go premium: no waiting and 10 % off every minute, $9.99 for a month.',
        image_url: 'https://images.example.com/tollgate/premium.png',
      },
    ],
  },
  {
    id: 'off_tarot_deck',
    sku: 'tarot-deck',
    name: 'Signed tarot deck',
    description: 'A tarot deck signed by our advisors, shipped to you; few left',
    price: 3999,
    currency: 'USD',
    value: 1800,
    tags: ['goods', 'gift'],
    channels: ['web', 'phone'],
    stock_mode: 'tracked',
    stock_on_hand: 5,
    max_offers_per_customer: 1,
    window_days: 30,
    reservation_seconds: 600,
    treatments: [
      {
        id: 'otr_tarot_phone',
        name: 'Phone, everyone',
        channel: 'phone',
        prompt: chime,
        script:
          'Only a few left: a tarot deck signed by our advisors, 39 dollars 99 shipped. Press 1 to order it.',
      },
      {
        id: 'otr_tarot_web',
        name: 'Web, everyone',
        channel: 'web',
        text: 'Only a few left: a tarot deck signed by our advisors, $39.99 shipped.',
        image_url: 'https://images.example.com/tollgate/tarot-deck.png',
      },
    ],
  },
]

export async function seedDemoOffers(db: Db, tenantId: string): Promise<void> {
  for (const { treatments, ...offer } of demoOffers) {
    await createOffer(db, tenantId, null, offer)
    for (const treatment of treatments) await addTreatment(db, tenantId, offer.id, null, treatment)
  }
}
