// How the offers pages name things for business staff: channels, stock, contact policies and
// treatments in plain words. Pure.
import { formatSeconds } from '../../lib/format.ts'

export const channelLabels: Record<string, string> = {
  web: 'Web',
  phone: 'Phone (in a call)',
  chat: 'Chat',
  video: 'Video',
  email: 'E-mail',
  call_out: 'Call-out campaigns',
}

export const stockModeLabels: Record<string, string> = {
  tracked: 'Counted here',
  provider: 'Checked with the supplier',
  unlimited: 'Not limited',
}

export const segmentLabel = (segment: string) => (segment === '*' ? 'Everyone' : segment.replaceAll('_', ' '))

export const channelList = (channels: readonly string[]) =>
  channels.map((c) => channelLabels[c] ?? c).join(', ')

/** "12 available (15 on hand, 3 held by open offers)", or how stock is kept when it is not counted. */
export function stockText(offer: {
  stock_mode: string
  stock_on_hand: number
  stock_reserved: number
  stock_available: number | null
}): string {
  if (offer.stock_mode !== 'tracked') return stockModeLabels[offer.stock_mode] ?? offer.stock_mode
  const held = offer.stock_reserved ? `, ${offer.stock_reserved} held by open offers` : ''
  return `${offer.stock_available ?? 0} available (${offer.stock_on_hand} on hand${held})`
}

/** The contact policy in a sentence: "At most 2 in 7 days · not again for 3 days after a no". */
export function contactPolicyText(offer: {
  max_offers_per_customer: number | null
  window_days: number | null
  decline_cooldown_days: number | null
}): string {
  const parts: string[] = []
  if (offer.max_offers_per_customer !== null && offer.window_days !== null)
    parts.push(
      `At most ${offer.max_offers_per_customer} per customer in ${offer.window_days} day${offer.window_days === 1 ? '' : 's'}`,
    )
  if (offer.decline_cooldown_days !== null)
    parts.push(
      `not again for ${offer.decline_cooldown_days} day${offer.decline_cooldown_days === 1 ? '' : 's'} after a no`,
    )
  if (!parts.length) return 'No limit'
  const text = parts.join(' · ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export const reservationText = (seconds: number) => formatSeconds(seconds)

export const styleLabels: Record<string, string> = { concise: 'Short', detailed: 'Detailed' }
export const paceLabels: Record<string, string> = { slow: 'Slow', normal: 'Normal', fast: 'Fast' }
