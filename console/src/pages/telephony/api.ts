// Telephony in the console: representatives' phones, PINs and presence in the queues (logged in and
// out through the ACD), service numbers, and each line's telephony settings.
import type { RequestBody, Schema } from '../../api/types.ts'
import { api } from '../../lib/api.ts'

export type RepresentativeTelephony = Schema<'RepresentativeTelephony'>
export type TelephonyChange = RequestBody<'/admin/v1/representatives/{id}/telephony', 'patch'>
export type LoginBody = RequestBody<'/admin/v1/representatives/{id}/presence/login', 'post'>
export type ServiceNumber = Schema<'ServiceNumber'>
export type NewServiceNumber = RequestBody<'/admin/v1/service-numbers', 'post'>
export type LineTelephony = Schema<'LineTelephony'>
export type LineTelephonyBody = RequestBody<'/admin/v1/service-lines/{id}/telephony', 'put'>
export type TelephonySettings = LineTelephony['telephony']

const rep = (id: string) => `/representatives/${encodeURIComponent(id)}`

export const listPresence = () =>
  api.get<{ representatives: RepresentativeTelephony[] }>('/presence').then((body) => body.representatives)
export const updateTelephony = (id: string, change: TelephonyChange) =>
  api.patch<RepresentativeTelephony>(`${rep(id)}/telephony`, change)
export const logIn = (id: string, body: LoginBody) =>
  api.post<RepresentativeTelephony>(`${rep(id)}/presence/login`, body)
export const logOut = (id: string) => api.post<RepresentativeTelephony>(`${rep(id)}/presence/logout`, {})
export const setOnBreak = (id: string, onBreak: boolean) =>
  api.post<RepresentativeTelephony>(`${rep(id)}/presence/break`, { on_break: onBreak })

export const listNumbers = () =>
  api.get<{ service_numbers: ServiceNumber[] }>('/service-numbers').then((body) => body.service_numbers)
export const addNumber = (body: NewServiceNumber) => api.post<ServiceNumber>('/service-numbers', body)
export const removeNumber = (number: string) =>
  api.delete<undefined>(`/service-numbers/${encodeURIComponent(number)}`)

export const readLineTelephony = (lineId: string) =>
  api.get<LineTelephony>(`/service-lines/${encodeURIComponent(lineId)}/telephony`)
export const saveLineTelephony = (lineId: string, body: LineTelephonyBody) =>
  api.put<LineTelephony>(`/service-lines/${encodeURIComponent(lineId)}/telephony`, body)
