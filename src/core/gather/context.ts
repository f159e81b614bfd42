import type { Organization, Reference } from 'fhir/r4.js';
import type { PooledResource, ResourceIndex } from '../fhir/resource-index.js';
import type { Settings, OrganisationMatch } from '../settings.js';
import type { PartySide, PayerKind } from '../workup/types.js';
import { CS } from '../fhir/codes.js';
import { hasCode } from '../fhir/coding.js';
import type { RoleCodeHierarchy } from '../terminology/role-codes.js';

/** What every gatherer needs about one donation: the pool, who is who, and the settings. */
export interface GatherContext {
  index: ResourceIndex;
  donor: PooledResource;
  recipient: PooledResource | null;
  /** The RelatedPerson carrying the relationship claim, if found. */
  claim: PooledResource | null;
  settings: Settings;
  asOf: string;
  roleCodes: RoleCodeHierarchy;
  notChecked: string[];
}

/** Resources of `type` whose `field` reference resolves to `target`. */
export function referringVia(
  ctx: GatherContext,
  target: PooledResource | null,
  type: string,
  field: (resource: never) => Reference | Reference[] | undefined,
): PooledResource[] {
  if (!target) return [];
  return ctx.index.referrers(target).filter((e) => {
    if (e.resource.resourceType !== type) return false;
    const value = field(e.resource as never);
    const refs = Array.isArray(value) ? value : value ? [value] : [];
    return refs.some((r) => ctx.index.resolve(r, e) === target);
  });
}

export function isSame(ctx: GatherContext, ref: Reference | undefined, from: PooledResource, target: PooledResource | null): boolean {
  return target !== null && ref !== undefined && ctx.index.resolve(ref, from) === target;
}

/** Which side of the donation a person or body belongs to. */
export function sideOf(ctx: GatherContext, entry: PooledResource | undefined): PartySide {
  if (!entry) return 'unknown';
  const r = entry.resource;
  if (entry === ctx.donor || entry === ctx.claim) return 'donor';
  if (entry === ctx.recipient) return 'recipient';
  switch (r.resourceType) {
    case 'RelatedPerson': {
      const patient = ctx.index.resolve(r.patient, entry);
      if (patient === ctx.recipient && ctx.recipient) return 'recipient-family';
      if (patient === ctx.donor) return 'donor-family';
      return 'unknown';
    }
    case 'Practitioner':
    case 'PractitionerRole':
      return 'centre';
    case 'Organization':
      if (isFacilitator(r)) return 'agency';
      if (hasCode(r.type, 'http://terminology.hl7.org/CodeSystem/organization-type', 'prov')) return 'centre';
      return 'authority';
    default:
      return 'unknown';
  }
}

export function isFacilitator(org: Organization): boolean {
  return hasCode(org.type, CS.workup, 'facilitator-agency');
}

function matchesOrganisation(org: Organization, rules: readonly OrganisationMatch[]): boolean {
  const names = [org.name, ...(org.alias ?? [])].filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase());
  const ids = (org.identifier ?? []).flatMap((i) => (typeof i.value === 'string' ? [`${i.system ?? ''}|${i.value}`, i.value] : []));
  return rules.some(
    (m) => (m.name !== undefined && names.includes(m.name.toLowerCase())) || (m.identifier !== undefined && ids.includes(m.identifier)),
  );
}

const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';

/** Classify a payer, guarantor or payee for the payment rules. Allow-lists win over types. */
export function payerKind(ctx: GatherContext, entry: PooledResource | undefined): PayerKind {
  if (!entry) return 'other-person';
  const r = entry.resource;
  const side = sideOf(ctx, entry);
  if (r.resourceType === 'Organization') {
    const lists = ctx.settings.allowLists;
    if (matchesOrganisation(r, lists.exchangeProgrammes) || hasCode(r.type, CS.workup, 'exchange-programme')) return 'programme';
    if (matchesOrganisation(r, lists.charities) || hasCode(r.type, CS.workup, 'charity')) return 'charity';
    if (matchesOrganisation(r, lists.payers)) return 'allow-listed';
    if (isFacilitator(r)) return matchesOrganisation(r, lists.licensedFacilitators) ? 'licensed-facilitator' : 'facilitator';
    if (hasCode(r.type, ORG_TYPE, 'ins') || hasCode(r.type, ORG_TYPE, 'pay')) return 'insurer';
    if (hasCode(r.type, ORG_TYPE, 'govt')) return 'government';
    if (hasCode(r.type, ORG_TYPE, 'prov') || hasCode(r.type, ORG_TYPE, 'dept')) return 'provider';
    return 'unknown-organization';
  }
  switch (side) {
    case 'donor':
    case 'donor-family':
    case 'recipient':
    case 'recipient-family':
      return side;
    default:
      return 'other-person';
  }
}

export function isUnidentifiedOrganisation(entry: PooledResource | undefined): boolean {
  return entry?.resource.resourceType === 'Organization' && !(entry.resource.identifier ?? []).some((i) => typeof i.value === 'string' && i.value.length > 0);
}
