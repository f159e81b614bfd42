import { typeIdOf, type PooledResource } from '../core/fhir/resource-index.js';
import { EXT } from '../core/fhir/codes.js';
import { isDonorEvaluationEpisode } from '../core/gather/find-donors.js';
import type { EpisodeOfCare } from 'fhir/r4.js';

/**
 * Who the intended recipient is, found the way the core finds it (src/core/gather/relationship.ts
 * `findParties`), but from an incomplete pool: the service asks this after each round of fetching to
 * learn which recipient record to read next. Untrusted input: every member is checked before use.
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function array(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The id of a `Type/id` reference (relative or absolute) held in `ref.reference`, if it is of `type`. */
export function idOf(ref: unknown, type: string): string | undefined {
  const reference = isObject(ref) ? ref.reference : undefined;
  if (typeof reference !== 'string') return undefined;
  const typeId = typeIdOf(reference);
  return typeId?.startsWith(`${type}/`) ? typeId.slice(type.length + 1) : undefined;
}

function byTypeId(entries: readonly PooledResource[]): Map<string, Json> {
  const map = new Map<string, Json>();
  for (const e of entries) {
    const r = e.resource as unknown as Json;
    if (typeof r.id === 'string') map.set(`${String(r.resourceType)}/${r.id}`, r);
  }
  return map;
}

/** RelatedPersons whose `patient` is the donor (candidates for the inverse claim direction). */
export function relatedPersonsOf(entries: readonly PooledResource[], patientId: string): string[] {
  return entries
    .map((e) => e.resource as unknown as Json)
    .filter(
      (r) => r.resourceType === 'RelatedPerson' && typeof r.id === 'string' && idOf(r.patient, 'Patient') === patientId,
    )
    .map((r) => r.id as string);
}

/**
 * Ids of the Patients that may be the donor's intended recipient: the `intended-recipient` extension of
 * the donor's living-donor EpisodeOfCare; the patient of the RelatedPerson the donor's `Patient.link`
 * points at; a Patient whose `link` points at a RelatedPerson whose patient is the donor.
 */
export function recipientCandidates(entries: readonly PooledResource[], donorId: string): string[] {
  const ids = new Set<string>();
  const index = byTypeId(entries);
  for (const e of entries) {
    const r = e.resource as unknown as Json;
    if (r.resourceType !== 'EpisodeOfCare' || idOf(r.patient, 'Patient') !== donorId) continue;
    if (!isDonorEvaluationEpisode(r as unknown as EpisodeOfCare)) continue;
    for (const ext of array(r.extension)) {
      if (isObject(ext) && ext.url === EXT.intendedRecipient) {
        const id = idOf(ext.valueReference, 'Patient');
        if (id) ids.add(id);
      }
    }
  }
  const donor = index.get(`Patient/${donorId}`);
  for (const link of array(donor?.link)) {
    if (!isObject(link) || link.type !== 'seealso') continue;
    const rpId = idOf(link.other, 'RelatedPerson');
    const rp = rpId ? index.get(`RelatedPerson/${rpId}`) : undefined;
    const id = idOf(rp?.patient, 'Patient');
    if (id) ids.add(id);
  }
  for (const r of index.values()) {
    if (r.resourceType !== 'Patient' || r.id === donorId) continue;
    for (const link of array(r.link)) {
      if (!isObject(link) || link.type !== 'seealso') continue;
      const rpId = idOf(link.other, 'RelatedPerson');
      const rp = rpId ? index.get(`RelatedPerson/${rpId}`) : undefined;
      if (rp && idOf(rp.patient, 'Patient') === donorId) ids.add(r.id as string);
    }
  }
  ids.delete(donorId);
  return [...ids].sort();
}
