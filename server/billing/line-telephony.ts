// A service line's telephony settings (service_lines.telephony), parsed with their defaults. Prompts
// are configured file paths; each defaults to a tone_stream:// or silence_stream:// so that a bare
// FreeSWITCH with no sound files runs every flow.
import { z } from 'zod'

const tone = (spec: string) => `tone_stream://${spec}`
const beep = tone('%(200,100,800)')
/** a short tune, looped: hold and waiting music a bare FreeSWITCH can play (no music package) */
export const waitingMusic = tone('%(400,100,523,659);%(400,100,659,784);%(800,400,784,1047);loops=-1')

/** Every prompt a flow plays, with the default a bare FreeSWITCH can play. */
export const defaultPrompts = {
  preamble: tone('%(400,200,523,659);loops=1'),
  not_in_service: tone('%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)'),
  no_caller_number: tone('%(500,500,480,620);loops=2'),
  enter_phone: beep,
  phone_mismatch: tone('%(300,100,350,440);loops=2'),
  blocked: tone('%(500,500,480,620);loops=2'),
  limited: tone('%(250,250,480,620);loops=3'),
  temporarily_blocked: tone('%(250,250,480,620);loops=2'),
  review_hold: waitingMusic,
  stored_method_offer: beep,
  enter_card: beep,
  enter_expiry: beep,
  enter_postal_code: beep,
  payment_declined: tone('%(300,100,350,440);loops=3'),
  preference_menu: beep,
  queue_position: tone('%(100,100,660);loops=2'),
  waiting: waitingMusic,
  transfer_notice: tone('%(200,200,440);loops=2'),
  connecting: tone('%(1000,4000,440,480);loops=1'),
  representatives_left: tone('%(500,100,440);loops=2'),
  time_warning: tone('%(150,150,880);loops=3'),
  goodbye: tone('%(500,0,350,440)'),
  invalid: tone('%(100,100,300);loops=2'),
  representative_menu: beep,
  representative_confirm: tone('%(200,100,660,880)'),
  /** waiting content `offer` (step 8): the offer, when its phone treatment has no prompt of its own */
  offer: tone('%(300,100,523,659);%(300,100,659,784);loops=2'),
  /** the caller pressed 1 and the offer was ordered, charged to the session's method */
  offer_accepted: tone('%(200,100,660,880);%(400,0,880,1047)'),
} as const
export type PromptName = keyof typeof defaultPrompts

const strategy = z.enum(['longest_idle', 'fewest_calls', 'least_talk_time', 'round_robin', 'random'])
const preference = z.enum(['gender', 'zodiac_sign', 'expertise', 'extension'])

export const lineTelephonySchema = z
  .object({
    prompts: z
      .partialRecord(
        z.enum(Object.keys(defaultPrompts) as [PromptName, ...PromptName[]]),
        z.string().min(1).max(500),
      )
      .default({}),
    strategy: strategy.default('longest_idle'),
    /** what the caller is offered to choose between in the preference menu */
    preferences: z.array(preference).max(4).default(['gender', 'expertise', 'extension']),
    /**
     * the waiting content: music, a message from the caller's birth date, or an offer (step 8): the
     * offer made for the caller plays after each position announcement, 1 orders it, 2 declines it
     */
    waiting_content: z.enum(['music', 'birth_date_message', 'offer']).default('music'),
    max_wait_seconds: z.number().int().min(30).max(3600).default(600),
    /** how often position and estimate are announced while waiting */
    announce_every_seconds: z.number().int().min(15).max(600).default(60),
    /** where a caller is transferred on request or at the maximum wait (an extension or dial string), null: none */
    partner_network: z.string().min(1).max(200).nullable().default(null),
    /** the key that leaves the queue for the partner network */
    partner_key: z
      .string()
      .regex(/^[0-9*#]$/)
      .default('9'),
    /** Erlang C's starting figures until the line has history */
    arrivals_per_hour: z.number().positive().max(100_000).default(12),
    handle_seconds: z.number().int().positive().max(86_400).default(600),
    /** a reserved representative's leg rings this long before it counts as a miss */
    ring_seconds: z.number().int().min(5).max(120).default(20),
    /** this many misses in a row puts a representative on break */
    max_missed: z.number().int().min(1).max(10).default(3),
    wrap_up_seconds: z.number().int().min(0).max(1800).default(30),
  })
  .strict()

export type LineTelephony = z.infer<typeof lineTelephonySchema>

/** The settings stored on a line (possibly `{}`), with every default filled in. */
export function lineTelephony(stored: unknown): LineTelephony {
  return lineTelephonySchema.parse(stored ?? {})
}

export function promptOf(line: LineTelephony, name: PromptName): string {
  return line.prompts[name] ?? defaultPrompts[name]
}
