import type {
  Appointment,
  CodeableConcept,
  Encounter,
  Organization,
  Patient,
  PatientContact,
  QuestionnaireResponse,
  RelatedPerson,
} from 'fhir/r4.js';
import type { PooledResource } from '../fhir/resource-index.js';
import { CS } from '../fhir/codes.js';
import { codings, hasCode } from '../fhir/coding.js';
import { ancestorsAndSelf } from '../terminology/role-codes.js';
import type { ThirdPartyFacts } from '../workup/types.js';
import { type GatherContext, isFacilitator, referringVia } from './context.js';

/** Supporting roles that are neither family nor clinical staff but legitimate (red-flags.md §4.8 FP). */
const SUPPORT_ROLE =
  /navigator|community health worker|\bchw\b|link worker|volunteer|befriender|chaplain|peer (mentor|support)/i;
const NOT_HELD = new Set(['planned', 'cancelled', 'entered-in-error']);
/** v2-0131 contact roles that say the person is not family: employer, other. */
const V2_NON_FAMILY = ['E', 'O'];

type Kinship = 'family' | 'non-family' | 'unknown';

function kinshipOf(ctx: GatherContext, concepts: CodeableConcept[] | undefined): Kinship {
  let nonFamily = false;
  for (const c of codings(concepts)) {
    if (typeof c.code !== 'string') continue;
    if (c.system === CS.roleCode) {
      // Only codes of the personal-relationship hierarchy count; FRND, NBOR, ROOM sit outside FAMMEMB.
      if (!Object.hasOwn(ctx.roleCodes.parents, c.code)) continue;
      const roles = ancestorsAndSelf(ctx.roleCodes, c.code);
      if (roles.includes('FAMMEMB')) return 'family';
      if (c.code !== 'ONESELF') nonFamily = true;
    } else if (c.system === CS.v2RelationshipCode && V2_NON_FAMILY.includes(c.code)) {
      nonFamily = true;
    }
  }
  return nonFamily ? 'non-family' : 'unknown';
}

function relationshipText(concepts: CodeableConcept[] | undefined): string | null {
  const list = Array.isArray(concepts) ? concepts : [];
  const labels = list.flatMap((c) => [
    ...(typeof c?.text === 'string' ? [c.text] : []),
    ...codings(c)
      .map((x) => x.display ?? x.code ?? '')
      .filter((x) => x.length > 0),
  ]);
  return labels.length > 0 ? [...new Set(labels)].join('; ') : null;
}

function personName(names: RelatedPerson['name'] | PatientContact['name'] | undefined): string | null {
  const n = Array.isArray(names) ? names[0] : names;
  if (!n) return null;
  if (typeof n.text === 'string' && n.text.trim()) return n.text.trim();
  const written = [...(Array.isArray(n.given) ? n.given : []), n.family]
    .filter((w): w is string => typeof w === 'string')
    .join(' ');
  return written || null;
}

/**
 * People around the donor who are neither relatives nor professionals (red-flags.md §4.8
 * intermediary.third-party-coordinator-present): a non-family contact, a non-family RelatedPerson
 * who accompanies or interprets at the donor's visits, or one named as having arranged the travel.
 * RelatedPersons that stand for the donor or the recipient (Patient.link) are the parties, not third parties.
 */
export function thirdPartyFacts(ctx: GatherContext, answersRef: string | null): ThirdPartyFacts[] {
  const { index, donor, recipient } = ctx;
  const parties = new Set<PooledResource>();
  if (ctx.claim) parties.add(ctx.claim);
  for (const p of [donor, recipient]) {
    for (const link of (p?.resource as Patient | undefined)?.link ?? []) {
      const other = link?.other ? index.resolve(link.other, p ?? undefined) : undefined;
      if (other) parties.add(other);
    }
  }
  const out: ThirdPartyFacts[] = [];
  const asThirdParty = (
    entry: PooledResource | undefined,
  ): { name: string | null; relationship: string | null; supportRole: boolean } | null => {
    if (!entry || entry.resource.resourceType !== 'RelatedPerson' || parties.has(entry)) return null;
    const rp = entry.resource;
    if (kinshipOf(ctx, rp.relationship) !== 'non-family') return null;
    const relationship = relationshipText(rp.relationship);
    return { name: personName(rp.name), relationship, supportRole: SUPPORT_ROLE.test(relationship ?? '') };
  };

  const donorKey = index.keyOf(donor);
  for (const contact of (donor.resource as Patient).contact ?? []) {
    if (!contact) continue;
    const org = contact.organization ? index.resolve(contact.organization, donor) : undefined;
    const relationship = relationshipText(contact.relationship);
    if (org?.resource.resourceType === 'Organization' && isFacilitator(org.resource)) {
      out.push({
        ref: index.keyOf(org),
        name: org.resource.name ?? null,
        role: 'contact',
        via: donorKey,
        relationship,
        supportRole: false,
      });
      continue;
    }
    if (kinshipOf(ctx, contact.relationship) !== 'non-family') continue;
    const charity = org?.resource.resourceType === 'Organization' && hasCode(org.resource.type, CS.workup, 'charity');
    out.push({
      ref: donorKey,
      name: personName(contact.name) ?? (org?.resource as Organization | undefined)?.name ?? null,
      role: 'contact',
      via: donorKey,
      relationship,
      supportRole: charity || SUPPORT_ROLE.test(relationship ?? ''),
    });
  }

  // Evaluations only (Encounters typed from evaluation-type that took place): an escort at an untyped
  // scheduling visit is not the donor's companion through the workup (input contract, "Evaluations").
  for (const e of referringVia(ctx, donor, 'Encounter', (r: Encounter) => r.subject)) {
    const enc = e.resource as Encounter;
    if (NOT_HELD.has(enc.status) || !hasCode(enc.type, CS.evaluationType)) continue;
    for (const p of enc.participant ?? []) {
      const individual = p?.individual ? index.resolve(p.individual, e) : undefined;
      const third = asThirdParty(individual);
      if (!third || !individual) continue;
      const translator = (p.type ?? []).some((t) => hasCode(t, CS.participantTypeFhir, 'translator'));
      out.push({
        ref: index.keyOf(individual),
        ...third,
        role: translator ? 'interpreter' : 'companion',
        via: index.keyOf(e),
      });
    }
  }
  for (const e of referringVia(ctx, donor, 'Appointment', (r: Appointment) =>
    r.participant?.map((p) => p.actor ?? {}),
  )) {
    const appt = e.resource as Appointment;
    if (appt.status === 'cancelled' || appt.status === 'entered-in-error') continue;
    for (const p of appt.participant ?? []) {
      const actor = p?.actor ? index.resolve(p.actor, e) : undefined;
      const third = asThirdParty(actor);
      if (third && actor) out.push({ ref: index.keyOf(actor), ...third, role: 'companion', via: index.keyOf(e) });
    }
  }

  if (answersRef) {
    const qr = index.resolve(answersRef);
    const whom =
      qr?.resource.resourceType === 'QuestionnaireResponse'
        ? findAnswerReference(qr.resource.item, 'travel-arranged-by-whom')
        : undefined;
    const arranger = whom && qr ? index.resolve(whom, qr) : undefined;
    const third = asThirdParty(arranger);
    if (third && arranger) out.push({ ref: index.keyOf(arranger), ...third, role: 'arranger', via: answersRef });
  }

  const seen = new Set<string>();
  return out
    .filter((t) => {
      const key = `${t.ref}|${t.role}|${t.via}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.ref.localeCompare(b.ref) || a.role.localeCompare(b.role) || a.via.localeCompare(b.via));
}

type Items = NonNullable<QuestionnaireResponse['item']>;

function findAnswerReference(items: Items | undefined, linkId: string, depth = 0): string | undefined {
  if (!Array.isArray(items) || depth > 8) return undefined;
  for (const item of items) {
    if (!item) continue;
    if (item.linkId === linkId) {
      const ref = item.answer?.[0]?.valueReference?.reference;
      if (typeof ref === 'string') return ref;
    }
    const nested =
      findAnswerReference(item.item, linkId, depth + 1) ??
      (item.answer ?? []).map((a) => findAnswerReference(a?.item, linkId, depth + 1)).find((r) => r !== undefined);
    if (nested) return nested;
  }
  return undefined;
}
