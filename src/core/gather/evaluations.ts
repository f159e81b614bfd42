import type { DocumentReference, Encounter } from 'fhir/r4.js';
import type { PooledResource } from '../fhir/resource-index.js';
import { CS } from '../fhir/codes.js';
import { codeIn, hasCode } from '../fhir/coding.js';
import { datePart } from '../dates.js';
import type { ApprovalFacts, EvaluationFacts, InterpreterKind, ParticipantFacts } from '../workup/types.js';
import { type GatherContext, referringVia, sideOf } from './context.js';

const NOT_HELD = new Set(['planned', 'cancelled', 'entered-in-error']);
const SAFEGUARDING = new Set(['consent-discussion', 'independent-advocate', 'independent-assessor', 'authorisation-committee', 'psychosocial']);
const APPROVAL_TYPES = new Set([
  'independent-assessor-report',
  'advocate-report',
  'regulator-approval',
  'committee-approval',
  'exchange-match-offer',
  'disclosure-preference',
]);

function isInterpreterPractitioner(entry: PooledResource | undefined, ctx: GatherContext): boolean {
  if (!entry) return false;
  const r = entry.resource;
  if (r.resourceType === 'Practitioner') {
    return ((r).qualification ?? []).some((q) => hasCode(q?.code, CS.workup, 'medical-interpreter'));
  }
  if (r.resourceType === 'PractitionerRole') {
    const role = r;
    if ((role.code ?? []).some((c) => hasCode(c, CS.workup, 'medical-interpreter'))) return true;
    return isInterpreterPractitioner(ctx.index.resolve(role.practitioner, entry), ctx);
  }
  return false;
}

function interpreterKind(entry: PooledResource | undefined, ctx: GatherContext): InterpreterKind {
  if (!entry) return 'unknown';
  if (entry.resource.resourceType === 'RelatedPerson' || entry.resource.resourceType === 'Patient') return 'lay';
  return isInterpreterPractitioner(entry, ctx) ? 'professional' : 'practitioner-unqualified';
}

/** Evaluations are Encounters typed from CodeSystem/evaluation-type; untyped visits are not evaluations. */
export function evaluationFacts(ctx: GatherContext): EvaluationFacts[] {
  const { index, donor } = ctx;
  const out: EvaluationFacts[] = [];
  for (const e of referringVia(ctx, donor, 'Encounter', (r: Encounter) => r.subject)) {
    const enc = e.resource as Encounter;
    const type = (enc.type ?? []).map((t) => codeIn(t, CS.evaluationType)).find((c) => c !== undefined);
    if (!type) continue;
    const interpreters: ParticipantFacts[] = [];
    const companions: ParticipantFacts[] = [];
    for (const p of enc.participant ?? []) {
      const individual = p?.individual ? index.resolve(p.individual, e) : undefined;
      const ref = individual ? index.keyOf(individual) : (p?.individual?.reference ?? 'unresolved');
      if (p?.individual && !individual) ctx.notChecked.push(`participant ${ref} of ${index.keyOf(e)}: reference does not resolve`);
      const translator = (p?.type ?? []).some((t) => hasCode(t, CS.participantTypeFhir, 'translator'));
      if (translator) {
        interpreters.push({ ref, kind: interpreterKind(individual, ctx), side: sideOf(ctx, individual) });
      } else if (individual?.resource.resourceType === 'RelatedPerson' || individual?.resource.resourceType === 'Patient') {
        companions.push({ ref, kind: 'companion', side: sideOf(ctx, individual) });
      }
    }
    out.push({
      ref: index.keyOf(e),
      type,
      status: enc.status,
      date: datePart(enc.period?.start ?? enc.period?.end),
      interpreters,
      companions,
      alone: companions.length === 0,
      safeguarding: SAFEGUARDING.has(type),
      held: !NOT_HELD.has(enc.status),
    });
  }
  return out.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.ref.localeCompare(b.ref));
}

export function heldEvaluations(evaluations: EvaluationFacts[]): EvaluationFacts[] {
  return evaluations.filter((e) => !NOT_HELD.has(e.status));
}

/** Approvals and reports: DocumentReferences about the donor typed as such; preliminary ones are not final. */
export function approvalFacts(ctx: GatherContext): ApprovalFacts[] {
  const { index, donor } = ctx;
  const out: ApprovalFacts[] = [];
  for (const e of referringVia(ctx, donor, 'DocumentReference', (r: DocumentReference) => r.subject)) {
    const d = e.resource as DocumentReference;
    const type = codeIn(d.type, CS.evidenceType);
    if (!type || !APPROVAL_TYPES.has(type) || d.status === 'entered-in-error') continue;
    out.push({ ref: index.keyOf(e), type, final: d.docStatus !== 'preliminary' && d.status === 'current', date: datePart(d.date) });
  }
  return out.sort((a, b) => a.ref.localeCompare(b.ref));
}
