// The benchmark's traffic: thousands of distinct customers, each with a phone, an e-mail, an IP,
// a device and a Luhn-valid card of their own, sending a realistic mix of web purchases, web
// sessions and phone calls with ANI — plus a little of what the demo rule set exists to stop.
// Seeded, so two runs send the same sequence.

export interface BenchCustomer {
  id: string
  email: string
  phone: string
  ip: string
  deviceId: string
  card: { number: string; exp_month: number; exp_year: number; cvc: string }
  postalCode: string
}

/** mulberry32: small, fast and good enough to shuffle a workload */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function luhnCheckDigit(partial: string): number {
  let sum = 0
  for (let i = 0; i < partial.length; i++) {
    let digit = Number(partial[partial.length - 1 - i])
    if (i % 2 === 0) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return (10 - (sum % 10)) % 10
}

function cardNumber(random: () => number): string {
  const bin = ['424242', '400005', '555555', '222300', '520082'][Math.floor(random() * 5)] ?? '424242'
  let partial = bin
  while (partial.length < 15) partial += String(Math.floor(random() * 10))
  return partial + luhnCheckDigit(partial)
}

/** count customers numbered from `first` on: two populations that do not overlap share no customer. */
export function makeCustomers(count: number, random: () => number, first = 0): BenchCustomer[] {
  return Array.from({ length: count }, (_, n) => n + first).map((i) => ({
    id: `bench-${i}`,
    email: `customer${i}@example.com`,
    // +1 202 555 0000–9999, then 303, 404 …: possible North American numbers, none on the demo negative list
    phone: `+1${['202', '303', '404', '505', '606'][Math.floor(i / 10_000) % 5]}555${String(i % 10_000).padStart(4, '0')}`,
    ip: `${23 + Math.floor(random() * 150)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
    deviceId: `dev-${Math.floor(random() * 1e12).toString(36)}`,
    card: {
      number: cardNumber(random),
      exp_month: 1 + Math.floor(random() * 12),
      exp_year: 2028 + Math.floor(random() * 5),
      cvc: String(100 + Math.floor(random() * 900)),
    },
    postalCode: String(10_000 + Math.floor(random() * 89_999)),
  }))
}

/**
 * One authorization body for a randomly chosen customer. moneyless: the purchases are paid by
 * phone bill, which Tollgate decides on but does not charge — no hold, only the decision.
 */
export function makeAuthorization(
  customers: BenchCustomer[],
  random: () => number,
  options: { moneyless?: boolean } = {},
): Record<string, unknown> {
  const c = customers[Math.floor(random() * customers.length)] ?? customers[0]
  if (!c) throw new Error('no customers')
  const roll = random()
  const paymentMethod = {
    type: 'card',
    card: roll < 0.01 ? { ...c.card, exp_month: 1, exp_year: 2020 } : c.card, // 1% expired cards
    billing_address: { line1: '1 Main St', postal_code: c.postalCode, country: 'US' },
  }

  if (roll < 0.2) {
    // a caller on the advice line: identified by the number the network forwarded
    const call = random()
    // 1% reach us with no ANI, 1% from a number on the negative list, 2% key in the wrong number
    const ani = call < 0.01 ? null : call < 0.02 ? '+15555550199' : c.phone
    return {
      kind: 'session',
      channel: 'phone',
      amount: { value: 5000, currency: 'USD' },
      customer: { phone: c.phone },
      network: { ani, dnis: '+18005550199' },
      entered: { phone: call > 0.98 ? '+12025559999' : c.phone },
      payment_method: random() < 0.7 ? paymentMethod : undefined,
    }
  }
  if (roll < 0.45) {
    return {
      kind: 'session',
      channel: random() < 0.5 ? 'web' : 'chat',
      amount: { value: 5000, currency: 'USD' },
      customer: { id: c.id, email: c.email, phone: c.phone, name: `Customer ${c.id}` },
      network: { ip: c.ip, device_id: c.deviceId },
      entered: { ip: c.ip },
      payment_method: paymentMethod,
    }
  }
  const quantity = 1 + Math.floor(random() * 2)
  const unitAmount = [499, 999, 1499, 2999][Math.floor(random() * 4)] ?? 999
  return {
    kind: 'purchase',
    channel: 'web',
    amount: { value: quantity * unitAmount, currency: 'USD' },
    customer: { id: c.id, email: c.email, phone: c.phone, name: `Customer ${c.id}` },
    network: { ip: roll < 0.47 ? '198.51.100.66' : c.ip, device_id: c.deviceId }, // some from a listed IP
    payment_method: options.moneyless
      ? { type: 'phone_bill', billing_address: paymentMethod.billing_address }
      : paymentMethod,
    items: [{ sku: `reading-${unitAmount}`, quantity, unit_amount: unitAmount }],
  }
}
