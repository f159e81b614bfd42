import { z } from 'zod';

/**
 * CDS Hooks 2.0 wire formats (standards.md §1). Requests are modelled with passthrough ("loose")
 * objects, because the spec reserves `extension` and clients add members of their own; everything this
 * service emits is modelled strictly, and the tests validate every payload against these schemas.
 */

// ---------------------------------------------------------------------------------------------------
// Shared pieces

const nonEmpty = z.string().min(1, 'must not be empty');

/** A FHIR id: what `context.patientId` must be before it is put into a URL. */
export const fhirIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9\-.]{1,64}$/, 'expected a FHIR id (1-64 letters, digits, "-" or ".")');

/** Anything with a resourceType: the shape of a FHIR resource as far as the wire format goes. */
export const resourceSchema = z.looseObject({
  resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'expected a FHIR resource type'),
});
export type WireResource = z.infer<typeof resourceSchema>;

/** CDS Hooks `Coding`: `system` and `code` required, `display` conditional. */
export const codingSchema = z.strictObject({
  system: nonEmpty,
  code: nonEmpty,
  display: nonEmpty.optional(),
});
export type CdsCoding = z.infer<typeof codingSchema>;

/** `overrideReasons` entries: the service "MUST populate a display". */
const codingWithDisplaySchema = codingSchema.extend({ display: nonEmpty });

const absoluteUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' });

// ---------------------------------------------------------------------------------------------------
// Request

/** `fhirAuthorization`: an OAuth 2.0 bearer token for `fhirServer` (never logged, never stored). */
export const fhirAuthorizationSchema = z.looseObject({
  access_token: nonEmpty,
  // The spec fixes "Bearer"; clients differ in case.
  token_type: z.string().regex(/^bearer$/i, 'must be "Bearer"'),
  expires_in: z.number().int().nonnegative(),
  scope: nonEmpty,
  subject: nonEmpty,
  patient: nonEmpty.optional(),
});
export type FhirAuthorization = z.infer<typeof fhirAuthorizationSchema>;

/** `hookInstance` goes into card uuids and log lines: a UUID in practice; any short, plain token is accepted. */
const hookInstanceSchema = z
  .string()
  .regex(/^[A-Za-z0-9\-._:]{1,128}$/, 'expected a UUID (letters, digits, "-", ".", "_" or ":", at most 128)');

/** A prefetch value: a FHIR resource (a read result, a searchset Bundle, an OperationOutcome) or `null` ("no data"). */
export const prefetchSchema = z.record(z.string(), resourceSchema.nullable());

const patientContextShape = {
  /** REQUIRED by both hooks in the spec; accepted when absent, so a client that omits it still gets a screen. */
  userId: nonEmpty.optional(),
  patientId: fhirIdSchema,
  encounterId: nonEmpty.optional(),
};

export const patientViewContextSchema = z.looseObject(patientContextShape);

const draftOrdersSchema = z.looseObject({
  resourceType: z.literal('Bundle', { error: 'expected a Bundle of draft orders' }),
  entry: z.array(z.looseObject({ resource: resourceSchema.optional() })).optional(),
});

export const orderSignContextSchema = z.looseObject({ ...patientContextShape, draftOrders: draftOrdersSchema });

function hookRequestSchema<C extends z.ZodType>(context: C) {
  return z
    .looseObject({
      hook: nonEmpty,
      hookInstance: hookInstanceSchema,
      fhirServer: absoluteUrl.optional(),
      fhirAuthorization: fhirAuthorizationSchema.optional(),
      context,
      prefetch: prefetchSchema.optional(),
    })
    .refine((r) => r.fhirAuthorization === undefined || r.fhirServer !== undefined, {
      path: ['fhirServer'],
      message: 'required when fhirAuthorization is present',
    });
}

/** Any hook call (the shape every service shares; `context` is an object). */
export const cdsRequestSchema = hookRequestSchema(z.looseObject({}));
export const patientViewRequestSchema = hookRequestSchema(patientViewContextSchema);
export const orderSignRequestSchema = hookRequestSchema(orderSignContextSchema);

export type CdsRequest = z.infer<typeof cdsRequestSchema>;
export type PatientViewRequest = z.infer<typeof patientViewRequestSchema>;
export type OrderSignRequest = z.infer<typeof orderSignRequestSchema>;

// ---------------------------------------------------------------------------------------------------
// Response

export const actionSchema = z
  .strictObject({
    type: z.enum(['create', 'update', 'delete']),
    description: nonEmpty,
    resource: resourceSchema.optional(),
    resourceId: nonEmpty.optional(),
  })
  .refine((a) => a.type === 'delete' || a.resource !== undefined, {
    path: ['resource'],
    message: 'required for create and update',
  })
  .refine((a) => a.type !== 'delete' || a.resourceId !== undefined || a.resource !== undefined, {
    path: ['resourceId'],
    message: 'required for delete',
  });
export type CdsAction = z.infer<typeof actionSchema>;

export const suggestionSchema = z.strictObject({
  label: nonEmpty,
  uuid: z.uuid().optional(),
  isRecommended: z.boolean().optional(),
  actions: z.array(actionSchema).min(1).optional(),
});
export type CdsSuggestion = z.infer<typeof suggestionSchema>;

export const linkSchema = z
  .strictObject({
    label: nonEmpty,
    url: absoluteUrl,
    type: z.enum(['absolute', 'smart']),
    appContext: nonEmpty.optional(),
    autolaunchable: z.boolean().optional(),
  })
  .refine((l) => l.appContext === undefined || l.type === 'smart', {
    path: ['appContext'],
    message: 'only for smart links',
  });
export type CdsLink = z.infer<typeof linkSchema>;

export const sourceSchema = z.strictObject({
  label: nonEmpty,
  url: absoluteUrl.optional(),
  icon: absoluteUrl.optional(),
  topic: codingSchema.optional(),
});

export const INDICATORS = ['info', 'warning', 'critical'] as const;
export type Indicator = (typeof INDICATORS)[number];

export const cardSchema = z
  .strictObject({
    uuid: z.uuid().optional(),
    // "One-sentence, <140-character summary"
    summary: nonEmpty.max(139, 'must be under 140 characters'),
    detail: nonEmpty.optional(),
    indicator: z.enum(INDICATORS),
    source: sourceSchema,
    suggestions: z.array(suggestionSchema).min(1).optional(),
    selectionBehavior: z.enum(['at-most-one', 'any']).optional(),
    overrideReasons: z.array(codingWithDisplaySchema).min(1).optional(),
    links: z.array(linkSchema).min(1).optional(),
  })
  .refine((c) => c.suggestions === undefined || c.selectionBehavior !== undefined, {
    path: ['selectionBehavior'],
    message: 'required when suggestions are present',
  });
export type Card = z.infer<typeof cardSchema>;

export const cdsResponseSchema = z.strictObject({
  cards: z.array(cardSchema),
  systemActions: z.array(actionSchema).min(1).optional(),
});
export type CdsResponse = z.infer<typeof cdsResponseSchema>;

// ---------------------------------------------------------------------------------------------------
// Discovery

export const discoveryServiceSchema = z.strictObject({
  hook: nonEmpty,
  title: nonEmpty.optional(),
  description: nonEmpty,
  id: z.string().regex(/^[A-Za-z0-9\-._]{1,64}$/, 'expected a URL-safe id'),
  prefetch: z.record(z.string(), nonEmpty).optional(),
  usageRequirements: nonEmpty.optional(),
});
export type DiscoveryService = z.infer<typeof discoveryServiceSchema>;

export const discoveryResponseSchema = z.strictObject({ services: z.array(discoveryServiceSchema).min(1) });
export type DiscoveryResponse = z.infer<typeof discoveryResponseSchema>;

// ---------------------------------------------------------------------------------------------------
// Feedback

/** The sandbox sends `reason` with `code` (and `system` when it has one) but no `display`. */
const feedbackCodingSchema = z.looseObject({
  code: nonEmpty,
  system: nonEmpty.optional(),
  display: nonEmpty.optional(),
});

export const feedbackItemSchema = z
  .looseObject({
    card: z.string().min(1).max(128),
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z
      .array(z.looseObject({ id: z.string().min(1).max(128) }))
      .min(1)
      .optional(),
    overrideReason: z
      .looseObject({
        reason: feedbackCodingSchema.optional(),
        userComment: z.string().max(4000).optional(),
      })
      .optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with time zone' }),
  })
  .refine((f) => f.outcome !== 'accepted' || f.acceptedSuggestions !== undefined, {
    path: ['acceptedSuggestions'],
    message: 'required when outcome is accepted',
  });
export type FeedbackItem = z.infer<typeof feedbackItemSchema>;

export const feedbackRequestSchema = z.looseObject({ feedback: z.array(feedbackItemSchema).min(1).max(100) });
export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;

export const feedbackResponseSchema = z.strictObject({
  received: z.number().int().min(1),
  stored: z.number().int().min(0),
  alreadyStored: z.number().int().min(0),
});
export type FeedbackResponse = z.infer<typeof feedbackResponseSchema>;

// ---------------------------------------------------------------------------------------------------
// Serializer

/**
 * CDS Hooks §"JSON": members SHALL NOT be `null`, `""`, `[]` or `{}`; an OPTIONAL member without a value
 * is omitted. Strips those (and `undefined`) recursively. The one allowed empty value, `{"cards": []}`,
 * is kept: top-level members of the response are only stripped when undefined or null.
 */
export function stripEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(stripEmpty).filter((v) => !isEmptyValue(v));
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      const cleaned = stripEmpty(member);
      if (!isEmptyValue(cleaned)) out[key] = cleaned;
    }
    return out;
  }
  return value;
}

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** A hook response as JSON text: `{"cards": [...]}` with every empty member removed below the top level. */
export function serializeCdsResponse(response: CdsResponse): string {
  const cards = (stripEmpty(response.cards) as unknown[] | undefined) ?? [];
  const out: Record<string, unknown> = { cards };
  if (response.systemActions !== undefined) {
    const actions = stripEmpty(response.systemActions) as unknown[];
    if (actions.length > 0) out.systemActions = actions;
  }
  return JSON.stringify(out);
}

/** Any other payload (discovery, feedback answer) with every empty member removed. */
export function serializeCdsJson(value: unknown): string {
  return JSON.stringify(stripEmpty(value) ?? {});
}

// ---------------------------------------------------------------------------------------------------
// Errors

/** What every non-2xx answer carries (CDS Hooks 3.0 ballot: an OperationOutcome on any error). */
export const operationOutcomeSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z
    .array(
      z.looseObject({
        severity: z.enum(['fatal', 'error', 'warning', 'information']),
        code: nonEmpty,
        diagnostics: nonEmpty.optional(),
        expression: z.array(nonEmpty).min(1).optional(),
      }),
    )
    .min(1),
});
