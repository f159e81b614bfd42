import type { FhirResource } from 'fhir/r4.js';
import { collectReferences, typeIdOf } from '../fhir/resource-index.js';
import { isDonorSurgeryCode, isLivingDonorObservation, isOpenDonorEpisode } from '../gather/find-donors.js';

/**
 * What population screening keeps of each resource between its two passes over Bulk Data NDJSON:
 * its identity, the references it holds and whether it marks a donor. Memory grows with these small
 * records, and with one donor's full data at a time, never with the files.
 */
export interface LightRecord {
  typeId: string;
  refs: string[];
  marks?: { kind: 'candidate' | 'past-donation'; patient: string };
}

export function lightRecord(resource: FhirResource): LightRecord | undefined {
  if (typeof resource.id !== 'string') return undefined;
  const refs = [...new Set(collectReferences(resource).map(typeIdOf).filter((r): r is string => r !== undefined))];
  const record: LightRecord = { typeId: `${resource.resourceType}/${resource.id}`, refs };
  const patientOf = (ref: { reference?: string } | undefined): string | undefined => (ref?.reference ? typeIdOf(ref.reference) : undefined);
  let patient: string | undefined;
  if (resource.resourceType === 'EpisodeOfCare' && isOpenDonorEpisode(resource)) patient = patientOf(resource.patient);
  else if (resource.resourceType === 'Observation' && isLivingDonorObservation(resource)) patient = patientOf(resource.subject);
  if (patient) record.marks = { kind: 'candidate', patient };
  if (resource.resourceType === 'Procedure' && resource.status === 'completed' && isDonorSurgeryCode(resource.code)) {
    const p = patientOf(resource.subject);
    if (p) record.marks = { kind: 'past-donation', patient: p };
  }
  return record;
}

/** Shared nodes (a hospital, a clinician) link every donor to every other: never expand through them. */
const HUBS = new Set(['Organization', 'Practitioner', 'PractitionerRole', 'Location', 'Questionnaire', 'HealthcareService']);
const DEPTH = 3;

/**
 * For each donor candidate, the records within three reference hops (either direction) of the donor:
 * enough to reach the recipient's condition, documents about the relationship claim and the people
 * and bodies named in the workup, without joining the population into one component.
 */
export function donorGroups(records: readonly LightRecord[]): Map<string, number[]> {
  const position = new Map<string, number>();
  records.forEach((r, i) => position.set(r.typeId, i));
  const adjacency: number[][] = records.map(() => []);
  records.forEach((r, i) => {
    for (const ref of r.refs) {
      const j = position.get(ref);
      if (j === undefined || j === i) continue;
      adjacency[i]!.push(j);
      adjacency[j]!.push(i);
    }
  });
  const candidates = new Set<string>();
  const hasOpenEpisode = new Set<string>();
  const past = new Set<string>();
  for (const r of records) {
    if (r.marks?.kind === 'candidate') {
      candidates.add(r.marks.patient);
      if (r.typeId.startsWith('EpisodeOfCare/')) hasOpenEpisode.add(r.marks.patient);
    }
    if (r.marks?.kind === 'past-donation') past.add(r.marks.patient);
  }
  const groups = new Map<string, number[]>();
  for (const donor of [...candidates].sort()) {
    if (past.has(donor) && !hasOpenEpisode.has(donor)) continue;
    const start = position.get(donor);
    if (start === undefined) continue;
    const seen = new Map<number, number>([[start, 0]]);
    const queue = [start];
    while (queue.length > 0) {
      const i = queue.shift()!;
      const depth = seen.get(i)!;
      if (depth >= DEPTH) continue;
      if (i !== start && HUBS.has(records[i]!.typeId.split('/')[0]!)) continue;
      for (const j of adjacency[i]!) {
        if (seen.has(j)) continue;
        seen.set(j, depth + 1);
        queue.push(j);
      }
    }
    groups.set(donor, [...seen.keys()].sort((a, b) => a - b));
  }
  return groups;
}
