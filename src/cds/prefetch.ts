import type { PrefetchKey } from './services.js';

/**
 * Prefetch: template expansion and the three cases of CDS Hooks 2.0 §"Prefetch" (standards.md §1.5):
 * a key that is absent was not satisfied (fetch it); `null` or an empty searchset means "no data"
 * (do not fetch); an OperationOutcome (or a Bundle carrying an error outcome) means it failed (fetch).
 */

const USER_TOKENS: Record<string, string> = {
  Practitioner: 'userPractitionerId',
  PractitionerRole: 'userPractitionerRoleId',
  Patient: 'userPatientId',
  RelatedPerson: 'userRelatedPersonId',
};

/**
 * Replaces `{{context.x}}` (first-level primitive context members only) and the user tokens derived from
 * `context.userId` (`Practitioner/123` → `{{userPractitionerId}}` = 123). Values are URL-encoded.
 * Undefined when a token cannot be resolved (the spec: skip that template).
 */
export function expandTemplate(template: string, context: Record<string, unknown>): string | undefined {
  const user: Record<string, string> = {};
  const userId = context.userId;
  if (typeof userId === 'string') {
    const [type, id] = userId.split('/');
    const token = type ? USER_TOKENS[type] : undefined;
    if (token && id) user[token] = id;
  }
  let unresolved = false;
  const out = template.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (_match, token: string) => {
    let value: unknown;
    if (token.startsWith('context.')) {
      const name = token.slice('context.'.length);
      value = name.includes('.') ? undefined : context[name];
    } else {
      value = user[token];
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return encodeURIComponent(String(value));
    unresolved = true;
    return '';
  });
  return unresolved ? undefined : out;
}

export type PrefetchState =
  | { kind: 'absent' }
  | { kind: 'none' }
  | { kind: 'failed'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'data'; value: Record<string, unknown>; next?: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorOutcome(value: unknown): boolean {
  if (!isObject(value) || value.resourceType !== 'OperationOutcome') return false;
  const issues = Array.isArray(value.issue) ? (value.issue as unknown[]) : [];
  // An OperationOutcome sent as the prefetch value itself is a failure whatever its issues say;
  // inside a searchset only error and fatal issues are (warnings accompany good results).
  return issues.length === 0 || issues.some((i) => isObject(i) && (i.severity === 'error' || i.severity === 'fatal'));
}

function bundleResources(bundle: Record<string, unknown>): unknown[] {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  return entries.map((e) => (isObject(e) ? e.resource : undefined)).filter((r) => r !== undefined);
}

function nextOf(bundle: Record<string, unknown>): string | undefined {
  const links = Array.isArray(bundle.link) ? (bundle.link as unknown[]) : [];
  for (const l of links) {
    if (
      isObject(l) &&
      typeof l.relation === 'string' &&
      l.relation.toLowerCase() === 'next' &&
      typeof l.url === 'string' &&
      l.url !== ''
    )
      return l.url;
  }
  return undefined;
}

/** What the client sent for one key, judged against the key's template. */
export function classifyPrefetch(value: unknown, key: PrefetchKey, patientId: string): PrefetchState {
  if (value === undefined) return { kind: 'absent' };
  if (value === null) return { kind: 'none' };
  if (!isObject(value)) return { kind: 'invalid', reason: 'the prefetch value was not a FHIR resource' };
  if (value.resourceType === 'OperationOutcome')
    return { kind: 'failed', reason: 'the EHR reported an error for it (OperationOutcome in prefetch)' };
  const isRead = !key.template.includes('?');

  if (value.resourceType === 'Bundle') {
    const resources = bundleResources(value);
    if (resources.some(isErrorOutcome))
      return { kind: 'failed', reason: 'the EHR reported an error for it (OperationOutcome in the prefetch Bundle)' };
    const next = nextOf(value);
    if (isRead) {
      // A read answered as a Bundle holding the resource: accept it.
      const match = resources.find((r) => isObject(r) && r.resourceType === key.resourceType && r.id === patientId);
      return match
        ? { kind: 'data', value }
        : { kind: 'invalid', reason: `the prefetch did not hold ${key.resourceType}/${patientId}` };
    }
    if (
      resources.filter((r) => !(isObject(r) && r.resourceType === 'OperationOutcome')).length === 0 &&
      next === undefined
    )
      return { kind: 'none' };
    return next === undefined ? { kind: 'data', value } : { kind: 'data', value, next };
  }
  if (value.resourceType !== key.resourceType) {
    return {
      kind: 'invalid',
      reason: `the prefetch held a ${String(value.resourceType).slice(0, 40)} where a ${isRead ? key.resourceType : 'Bundle'} belongs`,
    };
  }
  if (isRead && value.id !== patientId)
    return { kind: 'invalid', reason: `the prefetch held another ${key.resourceType} than context.patientId` };
  return { kind: 'data', value };
}
