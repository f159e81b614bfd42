import type { ServiceRequest } from 'fhir/r4.js';
import { collectReferences, ResourceIndex, typeIdOf, type PooledResource } from '../core/fhir/resource-index.js';
import { findDonors, isDonorSurgeryCode } from '../core/gather/find-donors.js';
import { readResources } from '../core/input/read-bundle.js';
import { describeFailure, FhirFailure, FhirSource, isBundle } from './fhir-source.js';
import { classifyPrefetch, expandTemplate } from './prefetch.js';
import { recipientCandidates, relatedPersonsOf } from './recipient.js';
import type { PrefetchKey } from './services.js';

/**
 * Everything a hook call needs about one donor, from the prefetch first and the client's FHIR server
 * second (standards.md §1.5, §5.4):
 *
 * 1. each prefetch key: absent → fetch; `null` or an empty searchset → no data; an OperationOutcome →
 *    fetch; a paginated searchset → read the further pages on `fhirServer`. All fetches in parallel,
 *    each under a per-call timeout and all under the hook's deadline.
 * 2. rounds of "what is still missing", each ONE batch Bundle (falling back to `_id` searches when the
 *    server refuses batches): the records the donor's data points at (related persons, practitioners,
 *    roles, organisations, documents), and the intended recipient with their conditions, episodes,
 *    related persons, invoices and charges. At most three rounds: typically two.
 *
 * What cannot be had is said in words: the donor's record → 412 (PreconditionFailed); anything else →
 * a "not checked" line, so the screen reports itself incomplete and never looks clean.
 */

export interface GatherRequest {
  fhirServer?: string;
  /** `fhirAuthorization.access_token`: kept in the FhirSource only. */
  accessToken?: string;
  context: Record<string, unknown> & { patientId: string };
  prefetch?: Record<string, unknown>;
}

export interface GatherOptions {
  keys: readonly PrefetchKey[];
  callTimeoutMs: number;
  deadlineMs: number;
  deadline: AbortSignal;
  /** order-sign: the draft orders (a donor-surgery draft makes the patient a donor candidate). */
  draftOrders?: readonly PooledResource[];
  /** When given, `fhirServer` must pass it or nothing is fetched. */
  fhirServerAllowed?: (url: string) => boolean;
  maxPages?: number;
  maxRounds?: number;
}

export interface DataGap {
  /** Prefetch key, or `references` / `recipient`. */
  key: string;
  label: string;
  reason: string;
}

export interface GatherStats {
  /** HTTP requests made to the FHIR server. */
  fhirRequests: number;
  /** Rounds of reference/recipient fetching after the prefetch keys. */
  rounds: number;
  /** Keys answered by the prefetch (data or "no data"). */
  prefetchUsed: number;
  /** Keys read from the FHIR server. */
  keysFetched: number;
  /** Keys that could not be had. */
  keysFailed: string[];
  resources: number;
}

export interface GatherResult {
  donor: PooledResource;
  entries: PooledResource[];
  /** The patient is a living-donor candidate (open donor evaluation, living-donor observation, or donor surgery ordered). */
  candidate: boolean;
  /** For the screen: everything that could not be checked. */
  notChecked: string[];
  /** Data that could not be had (a subset of notChecked, structured). */
  gaps: DataGap[];
  stats: GatherStats;
}

export interface PreconditionIssue {
  diagnostics: string;
  expression?: string;
}

/** The screen cannot run: HTTP 412 with these issues. */
export class PreconditionFailed extends Error {
  constructor(readonly issues: PreconditionIssue[]) {
    super(issues.map((i) => i.diagnostics).join('; '));
    this.name = 'PreconditionFailed';
  }
}

/** Types worth reading when the donor's data points at them (what src/core/gather resolves). */
const FOLLOW_TYPES = new Set([
  'Patient',
  'RelatedPerson',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'DocumentReference',
  'QuestionnaireResponse',
  'ServiceRequest',
  'Consent',
  'Contract',
  'Encounter',
]);
/** Fetched records whose own references are worth following (RelatedPerson.patient, PractitionerRole.practitioner). */
const FOLLOW_FURTHER = new Set(['RelatedPerson', 'PractitionerRole']);
const LIVE_ORDER = new Set(['draft', 'active', 'on-hold']);
const BATCH_SIZE = 100;
const ID_SEARCH_SIZE = 50;
const MAX_PROBLEM_LINES = 20;
/** Batch answers meaning "this server does not do batches": fall back to searches. */
const BATCH_REFUSED = new Set([400, 404, 405, 415, 422, 501]);

interface PoolItem {
  entry: PooledResource;
  follow: boolean;
}

interface PlanItem {
  kind: 'read' | 'search';
  /** `Type/id` for reads, `Type?query` for searches. */
  path: string;
  /** What it is for, in words ("the recipient's conditions"). */
  label: string;
  group: 'references' | 'recipient' | 'recipient-search' | 'link-search';
  follow: boolean;
}

type ItemOutcome = { ok: true; found: boolean } | { ok: false; failure: FhirFailure };

class Pool {
  readonly items: PoolItem[] = [];
  private readonly keys = new Set<string>();
  readonly problems: string[] = [];

  has(typeId: string): boolean {
    return this.keys.has(typeId);
  }

  /** Adds the resources in untrusted JSON (a resource or any Bundle); returns how many were new. */
  ingest(json: unknown, where: string, follow: (type: string) => boolean): number {
    const { entries, problems } = readResources(json, where);
    for (const p of problems)
      if (this.problems.length < MAX_PROBLEM_LINES)
        this.problems.push(`input problem at ${p.where}: ${p.message}; whatever it held was not screened`);
    let added = 0;
    for (const entry of entries) {
      const r = entry.resource;
      if (r.resourceType === 'OperationOutcome' || r.resourceType === 'Bundle') continue;
      const key = typeof r.id === 'string' ? `${r.resourceType}/${r.id}` : entry.fullUrl;
      if (key === undefined || this.keys.has(key)) continue;
      this.keys.add(key);
      // Records from a server are keyed by Type/id: one base, so the id is unique and reads like the EHR's own.
      const pooled: PooledResource = typeof r.id === 'string' ? { resource: r, where: entry.where } : entry;
      this.items.push({ entry: pooled, follow: follow(r.resourceType) });
      added++;
    }
    return added;
  }

  entries(): PooledResource[] {
    return this.items.map((i) => i.entry);
  }
}

export async function gatherDonorData(request: GatherRequest, options: GatherOptions): Promise<GatherResult> {
  const { keys } = options;
  const patientId = request.context.patientId;
  const budgets = { callTimeoutMs: options.callTimeoutMs, deadlineMs: options.deadlineMs };
  const pool = new Pool();
  const notChecked: string[] = [];
  const gaps: DataGap[] = [];
  const keyFailures = new Map<string, string>();
  const stats: GatherStats = {
    fhirRequests: 0,
    rounds: 0,
    prefetchUsed: 0,
    keysFetched: 0,
    keysFailed: [],
    resources: 0,
  };

  let source: FhirSource | undefined;
  let noSourceReason = 'no fhirServer was given';
  if (request.fhirServer !== undefined) {
    if (options.fhirServerAllowed && !options.fhirServerAllowed(request.fhirServer)) {
      noSourceReason = describeFailure(new FhirFailure('not-allowed'), budgets);
    } else {
      source = new FhirSource({
        baseUrl: request.fhirServer,
        callTimeoutMs: options.callTimeoutMs,
        deadline: options.deadline,
        deadlineMs: options.deadlineMs,
        ...(request.accessToken !== undefined ? { bearerToken: request.accessToken } : {}),
      });
    }
  }
  const followAll = (): boolean => true;

  const fail = (key: PrefetchKey, reason: string): void => {
    keyFailures.set(key.key, reason);
    stats.keysFailed.push(key.key);
    gaps.push({ key: key.key, label: key.label, reason });
    notChecked.push(`${key.label}: not checked, because ${reason}`);
  };

  const readPages = async (key: PrefetchKey, first: unknown, where: string): Promise<void> => {
    if (!source) return;
    const { pages, incomplete } = await source.allPages(first, options.maxPages);
    pages.slice(1).forEach((page, i) => pool.ingest(page, `${where}.page[${i + 2}]`, followAll));
    if (incomplete) {
      gaps.push({ key: key.key, label: key.label, reason: incomplete });
      notChecked.push(`${key.label}: partly checked, because ${incomplete}`);
    }
  };

  const fetchKey = async (key: PrefetchKey, path: string, prefetchProblem: string | undefined): Promise<void> => {
    const why = (reason: string): string => (prefetchProblem ? `${prefetchProblem}, and ${reason}` : reason);
    if (!source) {
      fail(
        key,
        why(prefetchProblem ? `${noSourceReason} to read it from` : `it was not in the prefetch and ${noSourceReason}`),
      );
      return;
    }
    let json: unknown;
    try {
      json = await source.get(path);
    } catch (err) {
      fail(key, why(describeFailure(err instanceof FhirFailure ? err : new FhirFailure('network'), budgets)));
      return;
    }
    const isRead = !path.includes('?');
    if (isRead ? (json as { resourceType?: unknown })?.resourceType !== key.resourceType : !isBundle(json)) {
      fail(key, why(describeFailure(new FhirFailure('malformed'), budgets)));
      return;
    }
    stats.keysFetched++;
    pool.ingest(json, `fhir.${key.key}`, followAll);
    if (!isRead) await readPages(key, json, `fhir.${key.key}`);
  };

  // --- 1. prefetch keys -------------------------------------------------------------------------
  const tasks: Promise<void>[] = [];
  for (const key of keys) {
    const path = expandTemplate(key.template, request.context);
    if (path === undefined) {
      fail(key, 'its prefetch template could not be filled from the hook context');
      continue;
    }
    const state = classifyPrefetch(request.prefetch?.[key.key], key, patientId);
    switch (state.kind) {
      case 'none':
        stats.prefetchUsed++;
        break;
      case 'data':
        stats.prefetchUsed++;
        pool.ingest(state.value, `prefetch.${key.key}`, followAll);
        if (state.next !== undefined) {
          if (source) tasks.push(readPages(key, state.value, `prefetch.${key.key}`));
          else {
            const reason = `the prefetch was paginated and ${noSourceReason} to read the further pages`;
            gaps.push({ key: key.key, label: key.label, reason });
            notChecked.push(`${key.label}: partly checked, because ${reason}`);
          }
        }
        break;
      case 'absent':
        tasks.push(fetchKey(key, path, undefined));
        break;
      case 'failed':
      case 'invalid':
        tasks.push(fetchKey(key, path, state.reason));
        break;
    }
  }
  await Promise.all(tasks);

  const patientKey = keys.find((k) => k.key === 'patient');
  let index = new ResourceIndex(pool.entries());
  const donor = index.resolve(`Patient/${patientId}`);
  if (!donor) {
    const reason =
      (patientKey && keyFailures.get(patientKey.key)) ?? 'the prefetch says there is no such patient (null)';
    throw new PreconditionFailed([
      {
        diagnostics: `The donor's record Patient/${patientId} could not be had: ${reason}`,
        expression: 'prefetch.patient',
      },
    ]);
  }

  // --- is this patient a living-donor candidate at all? -------------------------------------------
  const candidate =
    findDonors(index).includes(donor) ||
    hasLiveDonorSurgeryOrder(index, donor) ||
    (options.draftOrders ?? []).some(isDonorSurgeryOrder);
  if (!candidate) {
    const unknown = keys.filter((k) => k.recognition && keyFailures.has(k.key));
    if (unknown.length > 0) {
      throw new PreconditionFailed(
        unknown.map((k) => ({
          diagnostics: `Whether Patient/${patientId} is a living-donor candidate cannot be told: ${k.label} could not be read (${keyFailures.get(k.key) ?? 'unknown'})`,
          expression: `prefetch.${k.key}`,
        })),
      );
    }
    stats.fhirRequests = source?.requests ?? 0;
    stats.resources = pool.items.length;
    return { donor, entries: pool.entries(), candidate: false, notChecked, gaps, stats };
  }

  // --- 2. references and the recipient ------------------------------------------------------------
  const attempted = new Set<string>();
  const searchedRecipients = new Set<string>();
  const failures: Array<{ item: PlanItem; failure: FhirFailure }> = [];
  let linkSearched = false;
  const maxRounds = options.maxRounds ?? 3;
  for (let round = 0; round < maxRounds; round++) {
    const plan: PlanItem[] = [];
    for (const typeId of missingReferences(pool, source)) {
      if (attempted.has(typeId)) continue;
      plan.push({
        kind: 'read',
        path: typeId,
        label: typeId,
        group: 'references',
        follow: FOLLOW_FURTHER.has(typeId.split('/')[0] ?? ''),
      });
    }
    const recipients = recipientCandidates(pool.entries(), patientId);
    for (const r of recipients) {
      if (searchedRecipients.has(r)) continue;
      searchedRecipients.add(r);
      const readPath = `Patient/${r}`;
      const existing = plan.find((p) => p.path === readPath);
      if (existing) existing.group = 'recipient';
      else if (!pool.has(readPath) && !attempted.has(readPath))
        plan.push({
          kind: 'read',
          path: readPath,
          label: "the intended recipient's record",
          group: 'recipient',
          follow: false,
        });
      plan.push(...recipientSearches(r));
    }
    if (recipients.length === 0 && !linkSearched) {
      linkSearched = true;
      for (const rp of relatedPersonsOf(pool.entries(), patientId)) {
        plan.push({
          kind: 'search',
          path: `Patient?link=RelatedPerson/${rp}`,
          label: 'the recipient, looked up through the relationship claim',
          group: 'link-search',
          follow: false,
        });
      }
    }
    if (plan.length === 0) break;
    for (const item of plan) attempted.add(item.path);
    if (!source) {
      for (const item of plan) failures.push({ item, failure: new FhirFailure('not-allowed') });
      break;
    }
    stats.rounds++;
    const outcomes = await runPlan(source, plan, pool, options.maxPages);
    plan.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome && !outcome.ok) failures.push({ item, failure: outcome.failure });
    });
    if (options.deadline.aborted) break;
  }
  reportFailures(
    failures,
    source ? undefined : noSourceReason,
    budgets,
    gaps,
    notChecked,
    recipientCandidates(pool.entries(), patientId).length > 0,
  );

  index = new ResourceIndex(pool.entries());
  stats.fhirRequests = source?.requests ?? 0;
  stats.resources = pool.items.length;
  for (const p of pool.problems) notChecked.push(p);
  return {
    donor: index.resolve(`Patient/${patientId}`) ?? donor,
    entries: pool.entries(),
    candidate: true,
    notChecked,
    gaps,
    stats,
  };
}

function isDonorSurgeryOrder(entry: PooledResource): boolean {
  const r = entry.resource;
  return r.resourceType === 'ServiceRequest' && isDonorSurgeryCode(r.code);
}

function hasLiveDonorSurgeryOrder(index: ResourceIndex, donor: PooledResource): boolean {
  return index.ofType('ServiceRequest').some((e) => {
    const sr = e.resource as ServiceRequest;
    return LIVE_ORDER.has(sr.status) && isDonorSurgeryCode(sr.code) && index.resolve(sr.subject, e) === donor;
  });
}

function recipientSearches(recipientId: string): PlanItem[] {
  const id = encodeURIComponent(recipientId);
  const search = (path: string, label: string): PlanItem => ({
    kind: 'search',
    path,
    label,
    group: 'recipient-search',
    follow: false,
  });
  return [
    search(`Condition?patient=${id}`, "the recipient's conditions (when the need became known)"),
    search(`EpisodeOfCare?patient=${id}`, "the recipient's care episodes (waiting list)"),
    search(`RelatedPerson?patient=${id}`, "the recipient's related persons"),
    search(`Invoice?patient=${id}`, "the recipient's invoices"),
    search(`ChargeItem?patient=${id}`, "the recipient's charges"),
  ];
}

/** `Type/id` of every reference, held by a record worth following, that resolves to nothing in the pool. */
function missingReferences(pool: Pool, source: FhirSource | undefined): string[] {
  const out = new Set<string>();
  for (const item of pool.items) {
    if (!item.follow) continue;
    for (const reference of collectReferences(item.entry.resource)) {
      if (reference.startsWith('#') || reference.startsWith('urn:')) continue;
      if (/^https?:/i.test(reference) && !(source?.isOwnUrl(reference) ?? false)) continue;
      const typeId = typeIdOf(reference);
      if (!typeId || pool.has(typeId)) continue;
      if (!FOLLOW_TYPES.has(typeId.split('/')[0] ?? '')) continue;
      out.add(typeId);
    }
  }
  return [...out].sort();
}

/** Runs one round: batches of at most BATCH_SIZE entries in parallel; a refused batch falls back to searches. */
async function runPlan(
  source: FhirSource,
  plan: PlanItem[],
  pool: Pool,
  maxPages: number | undefined,
): Promise<ItemOutcome[]> {
  const chunks: PlanItem[][] = [];
  for (let i = 0; i < plan.length; i += BATCH_SIZE) chunks.push(plan.slice(i, i + BATCH_SIZE));
  const results = await Promise.all(chunks.map((chunk) => runChunk(source, chunk, pool, maxPages)));
  return results.flat();
}

function followOf(item: PlanItem): (type: string) => boolean {
  return item.kind === 'read' ? () => item.follow : () => false;
}

async function runChunk(
  source: FhirSource,
  chunk: PlanItem[],
  pool: Pool,
  maxPages: number | undefined,
): Promise<ItemOutcome[]> {
  const bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: chunk.map((item) => ({ request: { method: 'GET', url: item.path } })),
  };
  let response: unknown;
  try {
    response = await source.batch(bundle);
  } catch (err) {
    const failure = err instanceof FhirFailure ? err : new FhirFailure('network');
    if (failure.kind === 'http' && failure.status !== undefined && BATCH_REFUSED.has(failure.status))
      return runWithoutBatch(source, chunk, pool, maxPages);
    return chunk.map(() => ({ ok: false, failure }));
  }
  const entries = isBundle(response) && Array.isArray(response.entry) ? (response.entry as unknown[]) : undefined;
  if (!entries || entries.length !== chunk.length || (response as { type?: unknown }).type !== 'batch-response') {
    return runWithoutBatch(source, chunk, pool, maxPages);
  }
  return Promise.all(
    chunk.map(async (item, i): Promise<ItemOutcome> => {
      const entry = entries[i] as { response?: { status?: unknown }; resource?: unknown } | null;
      const raw = entry?.response?.status;
      const status = typeof raw === 'string' || typeof raw === 'number' ? Number.parseInt(String(raw), 10) : Number.NaN;
      if (status === 404 || status === 410) return { ok: true, found: false };
      if (!(status >= 200 && status < 300))
        return {
          ok: false,
          failure: Number.isFinite(status) ? new FhirFailure('http', status) : new FhirFailure('malformed'),
        };
      const resource = entry?.resource;
      if (item.kind === 'search') {
        if (!isBundle(resource)) return { ok: false, failure: new FhirFailure('malformed') };
        const { pages } = await source.allPages(resource, maxPages);
        pages.forEach((page, p) =>
          pool.ingest(page, `fhir.${item.group}[${i}]${p ? `.page[${p + 1}]` : ''}`, followOf(item)),
        );
        return { ok: true, found: true };
      }
      const found = pool.ingest(resource, `fhir.${item.group}`, followOf(item)) > 0 || pool.has(item.path);
      return { ok: true, found };
    }),
  );
}

/** The same plan without batch: reads as `_id` searches, one per type (and per 50 ids), searches as they are. */
async function runWithoutBatch(
  source: FhirSource,
  chunk: PlanItem[],
  pool: Pool,
  maxPages: number | undefined,
): Promise<ItemOutcome[]> {
  const readsByType = new Map<string, PlanItem[]>();
  for (const item of chunk) {
    if (item.kind !== 'read') continue;
    const type = item.path.split('/')[0] ?? '';
    readsByType.set(type, [...(readsByType.get(type) ?? []), item]);
  }
  const outcomes = new Map<PlanItem, ItemOutcome>();
  const calls: Promise<void>[] = [];
  for (const [type, items] of readsByType) {
    for (let i = 0; i < items.length; i += ID_SEARCH_SIZE) {
      const group = items.slice(i, i + ID_SEARCH_SIZE);
      const ids = group.map((g) => g.path.slice(type.length + 1));
      calls.push(
        (async () => {
          try {
            const first = await source.get(`${type}?_id=${ids.map(encodeURIComponent).join(',')}`);
            if (!isBundle(first)) throw new FhirFailure('malformed');
            const { pages } = await source.allPages(first, maxPages);
            const follow = group[0] ? followOf(group[0]) : () => false;
            pages.forEach((page) => pool.ingest(page, 'fhir.references', follow));
            for (const item of group) outcomes.set(item, { ok: true, found: pool.has(item.path) });
          } catch (err) {
            const failure = err instanceof FhirFailure ? err : new FhirFailure('network');
            for (const item of group) outcomes.set(item, { ok: false, failure });
          }
        })(),
      );
    }
  }
  for (const item of chunk) {
    if (item.kind !== 'search') continue;
    calls.push(
      (async () => {
        try {
          const first = await source.get(item.path);
          if (!isBundle(first)) throw new FhirFailure('malformed');
          const { pages } = await source.allPages(first, maxPages);
          pages.forEach((page) => pool.ingest(page, `fhir.${item.group}`, followOf(item)));
          outcomes.set(item, { ok: true, found: true });
        } catch (err) {
          outcomes.set(item, { ok: false, failure: err instanceof FhirFailure ? err : new FhirFailure('network') });
        }
      })(),
    );
  }
  await Promise.all(calls);
  return chunk.map((item) => outcomes.get(item) ?? { ok: false, failure: new FhirFailure('network') });
}

function reportFailures(
  failures: Array<{ item: PlanItem; failure: FhirFailure }>,
  noSourceReason: string | undefined,
  budgets: { callTimeoutMs: number; deadlineMs: number },
  gaps: DataGap[],
  notChecked: string[],
  recipientFound: boolean,
): void {
  const why = (f: FhirFailure): string =>
    noSourceReason !== undefined ? `they were not in the prefetch and ${noSourceReason}` : describeFailure(f, budgets);
  const references = new Map<string, Set<string>>();
  for (const { item, failure } of failures) {
    const reason = why(failure);
    if (item.group === 'references') {
      const types = references.get(reason) ?? new Set<string>();
      types.add(item.path.split('/')[0] ?? '');
      references.set(reason, types);
      continue;
    }
    if (item.group === 'link-search' && recipientFound) continue;
    const label =
      item.group === 'link-search' ? 'the recipient (looked up through the relationship claim)' : item.label;
    if (gaps.some((g) => g.label === label && g.reason === reason)) continue;
    gaps.push({ key: 'recipient', label, reason });
    notChecked.push(`${label}: not checked, because ${reason}`);
  }
  for (const [reason, types] of references) {
    const count = failures.filter((f) => f.item.group === 'references' && why(f.failure) === reason).length;
    const label = `${count} record${count === 1 ? '' : 's'} the donor's data refers to (${[...types].sort().join(', ')})`;
    gaps.push({ key: 'references', label, reason });
    notChecked.push(`${label}: not read, because ${reason}`);
  }
}
