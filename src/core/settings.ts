import { z } from 'zod';

/**
 * A centre's settings: thresholds and allow-lists a compliance officer tunes without touching code.
 * Defaults live in `rules/settings.default.yaml`; this schema is the single definition of the shape.
 */

const organisationMatch = z
  .object({
    /** Matched against Organization.identifier (`system|value`), or any identifier value when system is omitted. */
    identifier: z.string().min(1).optional(),
    /** Matched case-insensitively against Organization.name and alias. */
    name: z.string().min(1).optional(),
  })
  .strict()
  .refine((m) => m.identifier !== undefined || m.name !== undefined, { message: 'give identifier or name' });

export type OrganisationMatch = z.infer<typeof organisationMatch>;

export const settingsSchema = z
  .object({
    /** ISO 3166-1 alpha-2 code of the transplant centre's own country. */
    centreCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as GB')
      .nullable()
      .default(null),
    minimumDonorAge: z.int().min(16).max(25).default(18),
    /** Arrival in the country at most this many days before the first evaluation counts as recent. */
    recentArrivalDays: z.int().min(1).max(365).default(30),
    /** First contact to surgery shorter than this is a compressed timeline. */
    minimumEvaluationDays: z.int().min(1).max(730).default(42),
    /** Consent must precede surgery by at least this many days (reflection period). */
    consentReflectionDays: z.int().min(0).max(90).default(1),
    /** Return travel within this many days after surgery counts as immediate departure. */
    minimumRecoveryStayDays: z.int().min(1).max(90).default(14),
    /** Relationship evidence issued within this many days before the first evaluation is "recent". */
    recentDocumentDays: z.int().min(1).max(365).default(90),
    /** Languages the centre consents and evaluates in (primary BCP-47 subtags, lower case); others need an interpreter. */
    centreLanguages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'a primary BCP-47 language subtag such as en')).min(1).default(['en']),
    allowLists: z
      .object({
        /** Insurers, health ministries, embassies and employers accepted as payers of donor costs. */
        payers: z.array(organisationMatch).default([]),
        charities: z.array(organisationMatch).default([]),
        exchangeProgrammes: z.array(organisationMatch).default([]),
        licensedFacilitators: z.array(organisationMatch).default([]),
        /** Hospital hostels and charity housing: lines of a temporary address, matched case-insensitively. */
        hostels: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ payers: [], charities: [], exchangeProgrammes: [], licensedFacilitators: [], hostels: [] }),
    combination: z
      .object({
        /** This many warnings from at least this many families escalate to critical. */
        warnings: z.int().min(2).default(2),
        warningFamilies: z.int().min(1).default(2),
        /** One warning plus this many info findings from other families escalate to critical. */
        infosWithOneWarning: z.int().min(1).default(2),
      })
      .strict()
      .default({ warnings: 2, warningFamilies: 2, infosWithOneWarning: 2 }),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});
