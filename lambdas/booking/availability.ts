/**
 * The availability document of one bookable resource (a service profile or a studio): weekly rules
 * and dated exceptions in the owner's IANA zone, booking settings, buffers and blackouts. Stored as
 * one validated jsonb document per resource (booking_availability.rules); this schema is its only
 * definition, used at the GraphQL edge and on the way out of the database.
 */
import * as z from 'zod';
import { isValidTimeZone } from '../core/time-zones.ts';

const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:mm (00:00–24:00)')
  .describe('local wall-clock time HH:mm');

/** A local wall-clock interval on one day; `end` after `start` (24:00 = end of day). */
export const localIntervalSchema = z
  .object({ start: localTime, end: localTime })
  .strict()
  .refine((interval) => minutesOf(interval.start) < minutesOf(interval.end), { message: 'end must be after start' });

export const weeklyRuleSchema = z
  .object({
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: z.number().int().min(1).max(7),
    start: localTime,
    end: localTime,
  })
  .strict()
  .refine((rule) => minutesOf(rule.start) < minutesOf(rule.end), { message: 'end must be after start' });

export const dateExceptionSchema = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
    /** The open hours of that date instead of the weekly rules; empty = closed all day. */
    intervals: z.array(localIntervalSchema).max(12),
  })
  .strict();

export const instantRangeSchema = z
  .object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })
  .strict()
  .refine((range) => Date.parse(range.start) < Date.parse(range.end), { message: 'end must be after start' });

export const timezoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => isValidTimeZone(zone), { message: 'must be an IANA time zone' });

export const availabilitySchema = z
  .object({
    timezone: timezoneSchema,
    weekly: z.array(weeklyRuleSchema).max(70),
    exceptions: z.array(dateExceptionSchema).max(400).default([]),
    blackouts: z.array(instantRangeSchema).max(400).default([]),
    minDurationMinutes: z
      .number()
      .int()
      .min(15)
      .max(24 * 60)
      .default(60),
    granularityMinutes: z.number().int().min(5).max(240).default(30),
    minNoticeMinutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 30)
      .default(24 * 60),
    maxHorizonDays: z.number().int().min(1).max(365).default(90),
    bufferBeforeMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(0),
    bufferAfterMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(0),
  })
  .strict();

export type Availability = z.infer<typeof availabilitySchema>;
export type AvailabilityInput = z.input<typeof availabilitySchema>;

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
