import { z } from 'zod';

/** The CLI's input, checked in one place: what the command line says becomes typed options here. */
export const screenOptionsSchema = z
  .object({
    paths: z.array(z.string().min(1)).min(1, 'give at least one Bundle file, NDJSON file or folder'),
    format: z.enum(['text', 'json', 'fhir']).default('text'),
    asOf: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')
      .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date')
      .optional(),
    centreCountry: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as GB'))
      .optional(),
    settings: z.string().min(1).optional(),
    failOn: z.enum(['critical', 'warning']).optional(),
  })
  .strict();

export type ScreenOptions = z.infer<typeof screenOptionsSchema>;
