import type { DiscoveryService } from './schemas.js';

/**
 * The CDS services DonorGuard offers and the data each needs.
 *
 * Prefetch templates cover every resource the rules read about the donor (src/core/gather/*). Reference
 * parameters use `patient=` wherever R4 defines it: a bare id on a parameter that may point at several
 * resource types (`subject`, `actor`) is ambiguous, and servers differ in how they read it. What a
 * template cannot express (the recipient found through the data, and the Practitioners, Organizations
 * and RelatedPersons the donor's resources point at) the service fetches itself, in as few round trips
 * as it can (src/cds/gather.ts).
 */

export interface PrefetchKey {
  key: string;
  /** The template, with `{{context.patientId}}`. */
  template: string;
  resourceType: string;
  /** Words for a "not checked" line: what the rules could not see. */
  label: string;
  /** Needed to tell whether the patient is a living-donor candidate at all. */
  recognition?: boolean;
}

const P = '{{context.patientId}}';

export const PREFETCH_KEYS: readonly PrefetchKey[] = [
  { key: 'patient', template: `Patient/${P}`, resourceType: 'Patient', label: "the patient's record" },
  {
    key: 'episodesOfCare',
    template: `EpisodeOfCare?patient=${P}`,
    resourceType: 'EpisodeOfCare',
    label: 'living-donor evaluation episodes (EpisodeOfCare)',
    recognition: true,
  },
  {
    key: 'relatedPersons',
    template: `RelatedPerson?patient=${P}`,
    resourceType: 'RelatedPerson',
    label: 'relationship claims and companions (RelatedPerson)',
  },
  {
    key: 'encounters',
    template: `Encounter?patient=${P}`,
    resourceType: 'Encounter',
    label: 'evaluations, interpreters and companions (Encounter)',
  },
  { key: 'consents', template: `Consent?patient=${P}`, resourceType: 'Consent', label: 'donation consent (Consent)' },
  {
    key: 'documentReferences',
    template: `DocumentReference?patient=${P}`,
    resourceType: 'DocumentReference',
    label: 'relationship evidence, approvals and reports (DocumentReference)',
  },
  {
    key: 'questionnaireResponses',
    template: `QuestionnaireResponse?patient=${P}`,
    resourceType: 'QuestionnaireResponse',
    label: 'the safeguarding questionnaire (QuestionnaireResponse)',
  },
  {
    key: 'observations',
    template: `Observation?patient=${P}`,
    resourceType: 'Observation',
    label: 'HLA, kinship, arrival and social-history observations (Observation)',
    recognition: true,
  },
  {
    key: 'coverages',
    template: `Coverage?beneficiary=${P}`,
    resourceType: 'Coverage',
    label: "who pays the donor's costs (Coverage)",
  },
  { key: 'accounts', template: `Account?patient=${P}`, resourceType: 'Account', label: 'guarantors (Account)' },
  { key: 'claims', template: `Claim?patient=${P}`, resourceType: 'Claim', label: 'expense reimbursement (Claim)' },
  {
    key: 'invoices',
    template: `Invoice?patient=${P}`,
    resourceType: 'Invoice',
    label: 'invoices and package prices (Invoice)',
  },
  {
    key: 'chargeItems',
    template: `ChargeItem?patient=${P}`,
    resourceType: 'ChargeItem',
    label: 'charges (ChargeItem)',
  },
  {
    key: 'serviceRequests',
    template: `ServiceRequest?patient=${P}`,
    resourceType: 'ServiceRequest',
    label: 'the donor surgery order (ServiceRequest)',
    recognition: true,
  },
  {
    key: 'appointments',
    template: `Appointment?patient=${P}`,
    resourceType: 'Appointment',
    label: 'surgery appointments (Appointment)',
  },
  {
    key: 'procedures',
    template: `Procedure?patient=${P}`,
    resourceType: 'Procedure',
    label: 'past donor surgery (Procedure)',
  },
  {
    key: 'carePlans',
    template: `CarePlan?patient=${P}`,
    resourceType: 'CarePlan',
    label: 'the follow-up plan after donation (CarePlan)',
  },
];

export const PREFETCH_TEMPLATES: Readonly<Record<string, string>> = Object.fromEntries(
  PREFETCH_KEYS.map((k) => [k.key, k.template]),
);

export type HookName = 'patient-view' | 'order-sign';

export interface CdsServiceDefinition extends DiscoveryService {
  hook: HookName;
}

const USAGE =
  "Fires in a living-donor candidate's chart (context.patientId = the donor). Give the prefetch keys listed, or fhirServer (with " +
  'fhirAuthorization when the server needs a token) so the service can read what is missing: it also reads the intended ' +
  "recipient and the practitioners, organisations and related persons the donor's record points at. Without the donor's " +
  'record, or when the FHIR server cannot be reached, it answers 412 with an OperationOutcome naming what is missing; when ' +
  'only part of the data can be read it answers with its findings plus a "Screen incomplete" card. No cards means screened ' +
  'and nothing found; a patient who is not a living-donor candidate gets no cards.';

export const SERVICES: readonly CdsServiceDefinition[] = [
  {
    hook: 'patient-view',
    id: 'donorguard-patient-view',
    title: 'DonorGuard: living-donor safeguarding screen',
    description:
      "Screens a living-donor candidate's workup for indicators of trafficking in persons for organ removal (consent, " +
      'relationship, travel, payment, process and intermediary indicators) and shows those that warrant independent review.',
    usageRequirements: USAGE,
    prefetch: { ...PREFETCH_TEMPLATES },
  },
  {
    hook: 'order-sign',
    id: 'donorguard-order-sign',
    title: 'DonorGuard: safeguarding check at donor surgery order signature',
    description:
      'Re-screens the donor when a living-donor nephrectomy or hepatectomy order is signed. The draft order counts as ' +
      'booked surgery, so a missing legal safeguard (consent, independent assessment, psychosocial evaluation) becomes ' +
      'critical. Orders that are not donor surgery get no cards.',
    usageRequirements: USAGE,
    prefetch: { ...PREFETCH_TEMPLATES },
  },
];

export function findService(id: string): CdsServiceDefinition | undefined {
  return SERVICES.find((s) => s.id === id);
}
