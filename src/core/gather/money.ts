import type { Account, ChargeItem, Claim, Coverage, Invoice, Reference, ServiceRequest } from 'fhir/r4.js';
import type { PooledResource } from '../fhir/resource-index.js';
import { CS } from '../fhir/codes.js';
import { codeIn, codings, conceptLabel, hasCode } from '../fhir/coding.js';
import type { FacilitatorFacts, MoneyFacts, PayerFacts, PayerKind, ReimbursementFacts } from '../workup/types.js';
import { type GatherContext, isFacilitator, isUnidentifiedOrganisation, payerKind, referringVia } from './context.js';

/** Payers a donation may legitimately have (red-flags.md §4.5 payment.third-party-payer and its guards). */
const ACCEPTED_PAYERS = new Set<PayerKind>([
  'donor',
  'donor-family',
  'recipient',
  'recipient-family',
  'insurer',
  'government',
  'provider',
  'programme',
  'charity',
  'allow-listed',
  'licensed-facilitator',
]);
const PACKAGE_WORDING = /\b(package|all[- ]inclusive|donor arrangement|inclusive charge)\b/i;
const EXPENSE_ITEM_TYPES = new Set(['travel', 'lodging', 'lost-income', 'medical']);

function uniq(values: string[]): string[] {
  return [...new Set(values)].sort();
}

export function moneyFacts(ctx: GatherContext): MoneyFacts {
  const { index, donor, recipient } = ctx;
  const payers: PayerFacts[] = [];
  const addPayer = (ref: Reference | undefined, from: PooledResource): void => {
    const party = ref ? index.resolve(ref, from) : undefined;
    if (!ref) return;
    if (!party) {
      ctx.notChecked.push(`payer ${ref.reference ?? ref.display ?? '(no reference)'} of ${index.keyOf(from)}: reference does not resolve`);
      return;
    }
    payers.push({ ref: index.keyOf(party), via: index.keyOf(from), kind: payerKind(ctx, party), unidentified: isUnidentifiedOrganisation(party) });
  };

  const coverages = referringVia(ctx, donor, 'Coverage', (r: Coverage) => r.beneficiary);
  const selfPayRefs: string[] = [];
  for (const e of coverages) {
    const c = e.resource as Coverage;
    if (c.status === 'cancelled' || c.status === 'entered-in-error') continue;
    for (const p of c.payor ?? []) addPayer(p, e);
    if (hasCode(c.type, CS.coverageSelfPay, 'pay')) selfPayRefs.push(index.keyOf(e));
  }
  for (const e of referringVia(ctx, donor, 'Account', (r: Account) => r.subject)) {
    for (const g of (e.resource as Account).guarantor ?? []) if (!g?.onHold) addPayer(g?.party, e);
  }

  // Invoices and charge items of the donor or of the recipient (a package price covers both).
  const billed = [
    ...referringVia(ctx, donor, 'Invoice', (r: Invoice) => [r.subject ?? {}, r.recipient ?? {}]),
    ...referringVia(ctx, recipient, 'Invoice', (r: Invoice) => [r.subject ?? {}, r.recipient ?? {}]),
    ...referringVia(ctx, donor, 'ChargeItem', (r: ChargeItem) => r.subject),
    ...referringVia(ctx, recipient, 'ChargeItem', (r: ChargeItem) => r.subject),
  ];
  const packagePriceRefs: string[] = [];
  const facilitatorRefs: string[] = [];
  const unidentifiedInvoicingRefs: string[] = [];
  for (const e of new Set(billed)) {
    const r = e.resource;
    const labels: string[] = [];
    if (r.resourceType === 'Invoice') {
      const inv = r;
      labels.push(conceptLabel(inv.type) ?? '', inv.note?.map((n) => n.text).join(' ') ?? '');
      for (const li of inv.lineItem ?? []) labels.push(conceptLabel(li?.chargeItemCodeableConcept) ?? '');
      for (const party of [inv.issuer, inv.recipient]) {
        const org = party ? index.resolve(party, e) : undefined;
        if (org && payerKind(ctx, org) === 'facilitator') {
          facilitatorRefs.push(index.keyOf(org));
          // An agency that bills (issuer) is an intermediary too; without an identifier it is unregistered or unknown.
          if (isUnidentifiedOrganisation(org)) unidentifiedInvoicingRefs.push(index.keyOf(org));
          if (party === inv.recipient) addPayer(party, e);
        }
      }
    } else if (r.resourceType === 'ChargeItem') {
      labels.push(conceptLabel((r).code) ?? '', ...codings((r).code).map((c) => c.display ?? ''));
    }
    if (labels.some((l) => PACKAGE_WORDING.test(l))) packagePriceRefs.push(index.keyOf(e));
  }

  const reimbursements: ReimbursementFacts[] = [];
  for (const e of referringVia(ctx, donor, 'Claim', (r: Claim) => r.patient)) {
    const c = e.resource as Claim;
    if (!hasCode(c.type, CS.workup, 'donor-expense-reimbursement') || c.status === 'cancelled' || c.status === 'entered-in-error') continue;
    const itemTypes = (c.item ?? []).map((i) => codeIn(i?.productOrService, CS.expenseType));
    const lumpSum = itemTypes.includes('lump-sum');
    const itemised = itemTypes.length > 0 && itemTypes.every((t) => t !== undefined && EXPENSE_ITEM_TYPES.has(t));
    const payee = c.payee?.party ? index.resolve(c.payee.party, e) : undefined;
    const payer = c.insurer ? index.resolve(c.insurer, e) : c.provider ? index.resolve(c.provider, e) : undefined;
    const payerIsProgramme =
      payer?.resource.resourceType === 'Organization' && !isFacilitator(payer.resource);
    reimbursements.push({
      ref: index.keyOf(e),
      use: c.use,
      itemised,
      lumpSum,
      payeeKind: payee ? payerKind(ctx, payee) : null,
      throughProgramme: payerIsProgramme,
      total: typeof c.total?.value === 'number' ? c.total.value : null,
    });
  }
  const unverifiable = reimbursements.filter(
    (r) => r.lumpSum || !r.itemised || !r.throughProgramme || (r.payeeKind !== null && r.payeeKind !== 'donor'),
  );
  for (const p of payers) if (p.kind === 'facilitator') facilitatorRefs.push(p.ref);
  const unidentified = [
    ...payers.filter((p) => p.kind === 'facilitator' && p.unidentified).map((p) => p.ref),
    ...unidentifiedInvoicingRefs,
  ];

  return {
    payers: payers.sort((a, b) => a.ref.localeCompare(b.ref) || a.via.localeCompare(b.via)),
    thirdPartyPayerRefs: uniq(payers.filter((p) => !ACCEPTED_PAYERS.has(p.kind)).map((p) => p.ref)),
    facilitatorRefs: uniq(facilitatorRefs),
    unidentifiedFacilitatorRefs: uniq(unidentified),
    selfPay: selfPayRefs.length > 0,
    selfPayRefs: uniq(selfPayRefs),
    packagePriceRefs: uniq(packagePriceRefs),
    reimbursements,
    unverifiableReimbursementRefs: uniq(unverifiable.map((r) => r.ref)),
    reimbursementVerifiable: unverifiable.length === 0,
    facilitators: facilitatorFacts(ctx, payers),
  };
}

/**
 * Facilitator agencies (licensed or not) in any money or ordering role for this donation: payer,
 * guarantor, invoice issuer or recipient, or requester of a ServiceRequest for the donor (directly,
 * or through a PractitionerRole of the agency). red-flags.md §4.8 intermediary.medical-tourism-facilitator.
 */
function facilitatorFacts(ctx: GatherContext, payers: PayerFacts[]): FacilitatorFacts[] {
  const { index, donor, recipient } = ctx;
  const out: FacilitatorFacts[] = [];
  const add = (org: PooledResource | undefined, via: PooledResource, role: FacilitatorFacts['role']): void => {
    if (org?.resource.resourceType !== 'Organization' || !isFacilitator(org.resource)) return;
    out.push({ ref: index.keyOf(org), via: index.keyOf(via), role, licensed: payerKind(ctx, org) === 'licensed-facilitator' });
  };
  for (const p of payers) {
    if (p.kind !== 'facilitator' && p.kind !== 'licensed-facilitator') continue;
    const via = index.resolve(p.via);
    const party = index.resolve(p.ref);
    if (!via || !party) continue;
    const type = via.resource.resourceType;
    add(party, via, type === 'Account' ? 'guarantor' : type === 'Invoice' ? 'invoice' : 'payer');
  }
  const invoices = new Set([
    ...referringVia(ctx, donor, 'Invoice', (r: Invoice) => [r.subject ?? {}, r.recipient ?? {}, ...(r.participant ?? []).map((x) => x?.actor ?? {})]),
    ...referringVia(ctx, recipient, 'Invoice', (r: Invoice) => [r.subject ?? {}, r.recipient ?? {}]),
  ]);
  for (const e of invoices) {
    const inv = e.resource as Invoice;
    if (inv.status === 'cancelled' || inv.status === 'entered-in-error') continue;
    for (const party of [inv.issuer, inv.recipient]) add(party ? index.resolve(party, e) : undefined, e, 'invoice');
  }
  for (const e of referringVia(ctx, donor, 'ServiceRequest', (r: ServiceRequest) => r.subject)) {
    const sr = e.resource as ServiceRequest;
    if (sr.status === 'entered-in-error' || !sr.requester) continue;
    const requester = index.resolve(sr.requester, e);
    if (requester?.resource.resourceType === 'PractitionerRole') {
      const role = requester.resource;
      add(role.organization ? index.resolve(role.organization, requester) : undefined, e, 'requester');
    } else {
      add(requester, e, 'requester');
    }
  }
  const seen = new Set<string>();
  return out
    .filter((f) => {
      const key = `${f.ref}|${f.via}|${f.role}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.ref.localeCompare(b.ref) || a.via.localeCompare(b.via) || a.role.localeCompare(b.role));
}
