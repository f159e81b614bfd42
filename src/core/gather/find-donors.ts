import type { EpisodeOfCare, Observation, Procedure } from 'fhir/r4.js';
import type { PooledResource, ResourceIndex } from '../fhir/resource-index.js';
import { CS, LOINC, SNOMED } from '../fhir/codes.js';
import { hasCode } from '../fhir/coding.js';

const CLOSED_EPISODE = new Set(['finished', 'cancelled', 'entered-in-error']);
const DONOR_SURGERY = ['living-donor-nephrectomy', 'living-donor-hepatectomy'];

export function isDonorEvaluationEpisode(e: EpisodeOfCare): boolean {
  return hasCode(e.type, CS.workup, 'living-donor-evaluation');
}

export function isOpenDonorEpisode(e: EpisodeOfCare): boolean {
  return isDonorEvaluationEpisode(e) && !CLOSED_EPISODE.has(e.status);
}

export function isLivingDonorObservation(o: Observation): boolean {
  return (
    hasCode(o.code, CS.loinc, LOINC.organDonor) &&
    o.status !== 'entered-in-error' &&
    hasCode(o.valueCodeableConcept, CS.loinc, LOINC.livingDonorAnswer)
  );
}

export function isDonorSurgeryCode(concept: Parameters<typeof hasCode>[0]): boolean {
  return DONOR_SURGERY.some((c) => hasCode(concept, CS.workup, c)) || hasCode(concept, CS.snomed, SNOMED.kidneyDonor);
}

function isCompletedDonation(p: Procedure): boolean {
  return p.status === 'completed' && isDonorSurgeryCode(p.code);
}

/**
 * Living-donor candidates in the pool: the subject of an open living-donor EpisodeOfCare, or of a
 * "living organ donor" Observation. A past donor (completed donor surgery, no open evaluation) is not
 * screened; network rules may still use them.
 */
export function findDonors(index: ResourceIndex): PooledResource[] {
  const donors = new Set<PooledResource>();
  const past = new Set<PooledResource>();
  for (const e of index.ofType('Procedure')) {
    const p = e.resource as Procedure;
    if (isCompletedDonation(p)) {
      const subject = index.resolve(p.subject, e);
      if (subject) past.add(subject);
    }
  }
  const withOpenEpisode = new Set<PooledResource>();
  for (const e of index.ofType('EpisodeOfCare')) {
    const episode = e.resource as EpisodeOfCare;
    if (!isOpenDonorEpisode(episode)) continue;
    const patient = index.resolve(episode.patient, e);
    if (patient?.resource.resourceType === 'Patient') {
      donors.add(patient);
      withOpenEpisode.add(patient);
    }
  }
  for (const e of index.ofType('Observation')) {
    const o = e.resource as Observation;
    if (!isLivingDonorObservation(o)) continue;
    const subject = index.resolve(o.subject, e);
    if (subject?.resource.resourceType === 'Patient' && !past.has(subject)) donors.add(subject);
  }
  for (const p of past) if (!withOpenEpisode.has(p)) donors.delete(p);
  // Sorted by key: the report must not depend on the order of entries in the input.
  return [...donors].sort((a, b) => index.keyOf(a).localeCompare(index.keyOf(b)));
}
