import type { DocumentReference, EpisodeOfCare, Extension, Patient, RelatedPerson } from 'fhir/r4.js';
import type { PooledResource, ResourceIndex } from '../fhir/resource-index.js';
import { CS, EXT, PATHWAYS, RELATIONSHIP_EVIDENCE_TYPES, WEAK_EVIDENCE_TYPES, type Pathway } from '../fhir/codes.js';
import { codeIn, codings, hasCode } from '../fhir/coding.js';
import { daysBetween, earliest } from '../dates.js';
import { ancestorsAndSelf, classify, inverseRole, roleDisplay, V2_DEPENDENCY_CODES } from '../terminology/role-codes.js';
import type { BiologyFacts, EvidenceFacts, RelationshipFacts } from '../workup/types.js';
import { type GatherContext, referringVia, sideOf } from './context.js';
import { isDonorEvaluationEpisode, isOpenDonorEpisode } from './find-donors.js';

export interface Parties {
  recipient: PooledResource | null;
  claim: PooledResource | null;
  /** The claim's RelatedPerson describes the recipient (patient = donor). */
  inverted: boolean;
  otherClaims: Array<{ rp: PooledResource; inverted: boolean }>;
  pathway: Pathway | null;
  pathwayDeclared: boolean;
  organ: 'kidney' | 'liver' | null;
  episodes: PooledResource[];
}

function extensionValue(exts: Extension[] | undefined, url: string): Extension | undefined {
  return (exts ?? []).find((x) => x?.url === url);
}

/** Who is the recipient, and which RelatedPerson carries the claim (either direction, contract §"The relationship claim"). */
export function findParties(index: ResourceIndex, donor: PooledResource, notChecked: string[]): Parties {
  const episodes = index
    .referrers(donor)
    .filter((e) => e.resource.resourceType === 'EpisodeOfCare' && index.resolve((e.resource).patient, e) === donor)
    .filter((e) => isDonorEvaluationEpisode(e.resource as EpisodeOfCare))
    .sort((a, b) => Number(isOpenDonorEpisode(b.resource as EpisodeOfCare)) - Number(isOpenDonorEpisode(a.resource as EpisodeOfCare)));

  let recipient: PooledResource | null = null;
  let pathway: Pathway | null = null;
  let organ: 'kidney' | 'liver' | null = null;
  for (const e of episodes) {
    const episode = e.resource as EpisodeOfCare;
    const rec = extensionValue(episode.extension, EXT.intendedRecipient)?.valueReference;
    if (!recipient && rec) {
      const found = index.resolve(rec, e);
      if (found?.resource.resourceType === 'Patient') recipient = found;
      else notChecked.push(`intended recipient ${rec.reference ?? '(no reference)'}: not found in the data`);
    }
    const code = extensionValue(episode.extension, EXT.donationPathway)?.valueCoding?.code;
    if (!pathway && code && (PATHWAYS as readonly string[]).includes(code)) pathway = code as Pathway;
    if (!organ && hasCode(episode.type, CS.snomed, '105463007')) organ = 'liver';
    if (!organ && hasCode(episode.type, CS.snomed, '105462002')) organ = 'kidney';
  }

  // Direction A: the donor's Patient.link → RelatedPerson(patient = recipient).
  const claimsA: Array<{ rp: PooledResource; other: PooledResource }> = [];
  for (const link of (donor.resource as Patient).link ?? []) {
    if (link?.type !== 'seealso') continue;
    const rp = index.resolve(link.other, donor);
    if (rp?.resource.resourceType !== 'RelatedPerson') continue;
    const other = index.resolve((rp.resource).patient, rp);
    if (other && other !== donor && other.resource.resourceType === 'Patient') claimsA.push({ rp, other });
  }
  // Direction B: RelatedPerson(patient = donor) describing the recipient, linked from the recipient's Patient.link.
  const claimsB: Array<{ rp: PooledResource; other: PooledResource }> = [];
  for (const rp of referringVia({ index } as GatherContext, donor, 'RelatedPerson', (r: RelatedPerson) => r.patient)) {
    for (const holder of index.referrers(rp)) {
      if (holder === donor || holder.resource.resourceType !== 'Patient') continue;
      const links = (holder.resource).link ?? [];
      if (links.some((l) => l?.type === 'seealso' && index.resolve(l.other, holder) === rp)) claimsB.push({ rp, other: holder });
    }
  }
  const candidates = [...claimsA.map((c) => ({ ...c, inverted: false })), ...claimsB.map((c) => ({ ...c, inverted: true }))];
  recipient ??= candidates[0]?.other ?? null;
  // One pair may carry several claims (a "friend" who is also the household's employee): the RoleCode
  // claim is primary; the others are reported alongside it.
  const forRecipient = candidates.filter((c) => c.other === recipient);
  const chosen = forRecipient.find((c) => hasRoleCoding(c.rp)) ?? forRecipient[0];
  const otherClaims = forRecipient.filter((c) => c !== chosen).map((c) => ({ rp: c.rp, inverted: c.inverted }));

  return {
    recipient,
    claim: chosen?.rp ?? null,
    inverted: chosen?.inverted ?? false,
    otherClaims,
    pathway,
    pathwayDeclared: pathway !== null,
    organ,
    episodes,
  };
}

const NEED_CODES = ['46177005', '433146000', '90688005', '709044004', '19943007', '328383001'];

function needKnownSince(ctx: GatherContext): string | null {
  const { recipient, index } = ctx;
  if (!recipient) return null;
  const dates: unknown[] = [];
  for (const e of index.referrers(recipient)) {
    const r = e.resource;
    if (r.resourceType === 'Condition' && index.resolve(r.subject, e) === recipient) {
      const c = r;
      if (NEED_CODES.some((code) => hasCode(c.code, CS.snomed, code))) dates.push(c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate);
    }
    if (r.resourceType === 'EpisodeOfCare' && index.resolve(r.patient, e) === recipient && !isDonorEvaluationEpisode(r)) {
      dates.push(r.period?.start);
    }
  }
  return earliest(dates);
}

function evidenceFacts(ctx: GatherContext, firstEvaluationDate: string | null): EvidenceFacts[] {
  const { index, claim } = ctx;
  if (!claim) return [];
  const docs = referringVia(ctx, claim, 'DocumentReference', (d: DocumentReference) => d.context?.related);
  const out: EvidenceFacts[] = [];
  for (const e of docs) {
    const d = e.resource as DocumentReference;
    if (d.status === 'entered-in-error') continue;
    const type = codeIn(d.type, CS.evidenceType);
    if (!type || !(RELATIONSHIP_EVIDENCE_TYPES as readonly string[]).includes(type)) continue;
    const author = d.author?.[0] ? index.resolve(d.author[0], e) : undefined;
    const authenticator = d.authenticator ? index.resolve(d.authenticator, e) : undefined;
    const verifiedBy = d.authenticator ? sideOf(ctx, authenticator) : null;
    const date = d.date ?? d.content?.[0]?.attachment?.creation ?? null;
    // The issue date is the attachment's creation (a certificate issued, a copy certified); `date` is when it was filed.
    const issued = d.content?.[0]?.attachment?.creation ?? d.date ?? null;
    out.push({
      ref: index.keyOf(e),
      type,
      // Verification by the claimant's own side is not verification at source.
      verified: verifiedBy !== null && !['recipient', 'recipient-family', 'donor', 'donor-family', 'agency'].includes(verifiedBy),
      suppliedBy: sideOf(ctx, author),
      verifiedBy,
      date: date ? date.slice(0, 10) : null,
      issued: issued ? issued.slice(0, 10) : null,
      issuedBeforeEvaluationDays: daysBetween(issued, firstEvaluationDate),
      weak: (WEAK_EVIDENCE_TYPES as readonly string[]).includes(type),
    });
  }
  return out.sort((a, b) => a.ref.localeCompare(b.ref));
}

export function biologyFacts(ctx: GatherContext): BiologyFacts {
  const { index, donor } = ctx;
  const facts: BiologyFacts = { sharedHaplotypes: null, hlaRef: null, kinshipResult: null, kinshipRef: null, disclosurePreferenceRef: null };
  for (const e of index.referrers(donor)) {
    const r = e.resource;
    if (r.resourceType === 'Observation' && index.resolve(r.subject, e) === donor && r.status !== 'entered-in-error' && r.status !== 'cancelled') {
      const o = r;
      // Typing against someone other than the intended recipient (e.g. the paired-exchange match) says nothing about the claim.
      const typedAgainstOther = (o.focus ?? []).length > 0 && !(o.focus ?? []).some((f) => index.resolve(f, e) === ctx.recipient);
      if (hasCode(o.code, CS.workup, 'hla-haplotypes-shared') && typeof o.valueInteger === 'number' && !typedAgainstOther) {
        facts.sharedHaplotypes = o.valueInteger;
        facts.hlaRef = index.keyOf(e);
      }
      if (hasCode(o.code, CS.workup, 'kinship-test-result')) {
        const result = codeIn(o.valueCodeableConcept, CS.workup);
        if (result === 'consistent' || result === 'excluded' || result === 'inconclusive') {
          facts.kinshipResult = result;
          facts.kinshipRef = index.keyOf(e);
        }
      }
    }
    if (r.resourceType === 'DocumentReference' && hasCode(r.type, CS.evidenceType, 'disclosure-preference')) {
      facts.disclosurePreferenceRef = index.keyOf(e);
    }
  }
  return facts;
}

function hasRoleCoding(rp: PooledResource): boolean {
  return codings((rp.resource as RelatedPerson).relationship).some((c) => c.system === CS.roleCode && typeof c.code === 'string');
}

interface ClaimDescription {
  code: string;
  system: string;
  display: string;
  roles: string[];
  relationClass: RelationshipFacts['relationClass'];
  biological: boolean;
  donorSubordinate: boolean;
}

/** A claim read in the donor's direction: the donor's role towards the recipient. */
function describeClaim(ctx: GatherContext, claim: PooledResource, inverted: boolean): ClaimDescription {
  const rp = claim.resource as RelatedPerson;
  const all = codings(rp.relationship);
  const roleCoding = all.find((c) => c.system === CS.roleCode && typeof c.code === 'string');
  const v2Coding = all.find((c) => c.system === CS.v2RelationshipCode && typeof c.code === 'string' && c.code in V2_DEPENDENCY_CODES);
  if (roleCoding?.code) {
    const code = inverted ? inverseRole(roleCoding.code) : roleCoding.code;
    const roles = ancestorsAndSelf(ctx.roleCodes, code);
    return { code, system: CS.roleCode, display: inverted ? roleDisplay(code) : (roleCoding.display ?? roleDisplay(code)), roles, ...classify(roles, code), donorSubordinate: false };
  }
  if (v2Coding?.code) {
    const dep = V2_DEPENDENCY_CODES[v2Coding.code];
    // Direction B: the RelatedPerson is the recipient; if the recipient is the superior, the donor is the subordinate.
    const donorSubordinate = dep ? dep.relatedPersonIsSuperior === inverted : false;
    // Direction B: the coding names the recipient's role (e.g. employer), so `display` states the donor's side of it.
    const label = v2Coding.display ?? dep?.display ?? v2Coding.code;
    const display = inverted ? `${donorSubordinate ? 'subordinate' : 'superior'} (the recipient is the donor's ${label.toLowerCase()})` : label;
    return { code: v2Coding.code, system: CS.v2RelationshipCode, display, roles: [v2Coding.code], relationClass: 'dependency', biological: false, donorSubordinate };
  }
  ctx.notChecked.push(`relationship claim ${ctx.index.keyOf(claim)}: no relationship code from v3 RoleCode or v2-0131`);
  return { code: 'unknown', system: '', display: 'unknown', roles: [], relationClass: 'other', biological: false, donorSubordinate: false };
}

export function relationshipFacts(
  ctx: GatherContext,
  inverted: boolean,
  firstEvaluationDate: string | null,
  biology: BiologyFacts,
  otherClaims: ReadonlyArray<{ rp: PooledResource; inverted: boolean }> = [],
): RelationshipFacts | null {
  const { claim, index } = ctx;
  if (!claim) return null;
  const rp = claim.resource as RelatedPerson;
  const { code, system, display, roles, relationClass, biological, donorSubordinate } = describeClaim(ctx, claim, inverted);
  const since = rp.period?.start?.slice(0, 10) ?? null;
  const need = needKnownSince(ctx);
  const evidence = evidenceFacts(ctx, firstEvaluationDate);
  const kinshipConsistent = biological && biology.kinshipResult === 'consistent';
  const verified = evidence.some((e) => e.verified) || kinshipConsistent;
  return {
    code,
    system,
    display,
    roles,
    relationClass,
    biological,
    inverted,
    donorSubordinate,
    claimRef: index.keyOf(claim),
    alsoClaimed: otherClaims.map((c) => {
      const d = describeClaim(ctx, c.rp, c.inverted);
      return { claimRef: index.keyOf(c.rp), code: d.code, display: d.display, relationClass: d.relationClass, donorSubordinate: d.donorSubordinate };
    }),
    since,
    needKnownSince: need,
    startedAfterNeed: since && need ? (daysBetween(need, since) ?? 0) > 0 : null,
    evidence,
    verified,
    onlyWeakOrUnverifiedEvidence: evidence.length > 0 && evidence.every((e) => e.weak || !e.verified) && !kinshipConsistent,
  };
}
