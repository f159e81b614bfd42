import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ResourceIndex, type PooledResource } from '../core/fhir/resource-index.js';
import { isDonorSurgeryCode } from '../core/gather/find-donors.js';
import { readResources } from '../core/input/read-bundle.js';
import type { WorkupReport } from '../core/report.js';
import type { Ruleset } from '../core/rules/compiled-rule.js';
import { screenDonor } from '../core/screen.js';
import type { Settings } from '../core/settings.js';
import type { RoleCodeHierarchy } from '../core/terminology/role-codes.js';
import type { ReviewEntry } from '../http/review-page.js';
import { toCards } from './cards.js';
import type { CardContext } from './feedback.js';
import { gatherDonorData, type GatherStats } from './gather.js';
import type { MemoryCache } from './memory-cache.js';
import { orderSignRequestSchema, patientViewRequestSchema, type Card, type CdsResponse } from './schemas.js';
import { PREFETCH_KEYS, type CdsServiceDefinition } from './services.js';
import { uuidV5 } from './uuid.js';

/**
 * One hook call, from the validated request to the cards: gather (prefetch, then the FHIR server),
 * screen with the pure core, render cards. Throws the ZodError of an invalid request (→ 400 naming the
 * field) and PreconditionFailed when the screen cannot run (→ 412); everything else is an answer.
 */

export interface HookDeps {
  publicBaseUrl: string;
  ruleset: Ruleset;
  ruleTitles: ReadonlyMap<string, string>;
  roleCodes: RoleCodeHierarchy;
  settings: Settings;
  hookDeadlineMs: number;
  fhirCallTimeoutMs: number;
  /** The screen date, YYYY-MM-DD. */
  asOf: () => string;
  now: () => Date;
  logger: Logger;
  fhirServerAllowed?: (url: string) => boolean;
  reviews: MemoryCache<ReviewEntry>;
  cardContexts: MemoryCache<CardContext>;
  onHook?: (metrics: HookMetrics) => void;
}

export type HookOutcome = 'screened' | 'not-a-donor-candidate' | 'no-donor-surgery-order' | 'precondition-failed';

/** What a hook call did, in ids, counts and timings (what is logged, and what tests and the bench read). */
export interface HookMetrics {
  service: string;
  hook: string;
  hookInstance: string;
  outcome: HookOutcome;
  status: number;
  cards: number;
  critical: number;
  warning: number;
  /** Rule ids of the cards. */
  rules: string[];
  screenStatus?: WorkupReport['status'];
  notChecked?: number;
  /** 412: the prefetch keys (expressions) that could not be had. */
  missing?: string[];
  gather?: GatherStats;
  gatherMs: number;
  screenMs: number;
  totalMs: number;
}

/** Metrics of a hook call before anything is counted; the log line every call ends with. */
export function emptyMetrics(
  service: { id: string; hook: string },
  hookInstance: string,
  outcome: HookMetrics['outcome'],
  status: number,
): HookMetrics {
  return {
    service: service.id,
    hook: service.hook,
    hookInstance,
    outcome,
    status,
    cards: 0,
    critical: 0,
    warning: 0,
    rules: [],
    gatherMs: 0,
    screenMs: 0,
    totalMs: 0,
  };
}

export interface HookAnswer {
  response: CdsResponse;
  metrics: HookMetrics;
}

/** Time kept back from the FHIR budget for screening and rendering. */
const SCREEN_RESERVE_MS = 100;

export async function runHook(service: CdsServiceDefinition, body: unknown, deps: HookDeps): Promise<HookAnswer> {
  const started = performance.now();
  const schema = service.hook === 'order-sign' ? orderSignRequestSchema : patientViewRequestSchema;
  const request = schema.parse(body);
  const context = request.context as Record<string, unknown> & {
    patientId: string;
    userId?: string;
    draftOrders?: unknown;
  };
  const metrics = emptyMetrics(service, request.hookInstance, 'screened', 200);
  const finish = (response: CdsResponse): HookAnswer => {
    metrics.totalMs = Math.round(performance.now() - started);
    return { response, metrics };
  };

  let draftOrders: PooledResource[] = [];
  if (service.hook === 'order-sign') {
    draftOrders = readResources(context.draftOrders, 'context.draftOrders').entries;
    const surgery = draftOrders.filter(
      (e) => e.resource.resourceType === 'ServiceRequest' && isDonorSurgeryCode(e.resource.code),
    );
    if (surgery.length === 0) {
      metrics.outcome = 'no-donor-surgery-order';
      return finish({ cards: [] });
    }
  }

  const controller = new AbortController();
  const budget = Math.max(50, deps.hookDeadlineMs - SCREEN_RESERVE_MS);
  const timer = setTimeout(() => controller.abort(), budget);
  let gathered;
  try {
    gathered = await gatherDonorData(
      {
        ...(request.fhirServer !== undefined ? { fhirServer: request.fhirServer } : {}),
        ...(request.fhirAuthorization !== undefined ? { accessToken: request.fhirAuthorization.access_token } : {}),
        context,
        ...(request.prefetch !== undefined ? { prefetch: request.prefetch } : {}),
      },
      {
        keys: PREFETCH_KEYS,
        callTimeoutMs: deps.fhirCallTimeoutMs,
        deadlineMs: deps.hookDeadlineMs,
        deadline: controller.signal,
        draftOrders,
        ...(deps.fhirServerAllowed ? { fhirServerAllowed: deps.fhirServerAllowed } : {}),
      },
    );
  } finally {
    clearTimeout(timer);
    metrics.gatherMs = Math.round(performance.now() - started);
  }
  metrics.gather = gathered.stats;
  // Not a living-donor candidate (no open donor evaluation, no living-donor observation, no donor
  // surgery ordered): no cards, deliberately. patient-view fires on every chart a clinician opens; a
  // "not a donor" card on each would be noise that teaches clinicians to dismiss DonorGuard's cards.
  // This is not fail-open: when the data needed to tell cannot be read, gather answers 412 instead.
  if (!gathered.candidate) {
    metrics.outcome = 'not-a-donor-candidate';
    return finish({ cards: [] });
  }

  const screenStarted = performance.now();
  const asOf = deps.asOf();
  const index = new ResourceIndex(gathered.entries);
  const donor = index.resolve(`Patient/${context.patientId}`) ?? gathered.donor;
  let report: WorkupReport;
  let kinshipTestUseful = false;
  try {
    const screened = screenDonor(index, donor, deps.ruleset, {
      asOf,
      settings: deps.settings,
      roleCodes: deps.roleCodes,
      draftOrders,
      notChecked: gathered.notChecked,
    });
    report = screened.report;
    const workup = screened.workup;
    kinshipTestUseful = workup?.relationship?.biological === true && workup.biology.kinshipResult === null;
  } catch (err) {
    // A malformed record must not crash the hook or pass as clean: the screen reports itself unscreened.
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? 'error') : 'unknown error';
    deps.logger.warn(
      { hookInstance: request.hookInstance, err: { name: (err as Error)?.name } },
      'screen failed on this record',
    );
    report = {
      donor: `Patient/${context.patientId}`,
      recipient: null,
      pathway: null,
      status: 'incomplete',
      notChecked: [
        ...gathered.notChecked,
        `the donor's record could not be read, so no rule was checked (${reason.slice(0, 200)})`,
      ],
      highest: 'none',
      alerts: [],
      surgeryBooked: draftOrders.length > 0,
    };
  }

  const now = deps.now();
  const reviewToken = randomUUID();
  const cards: Card[] = toCards({
    report,
    hookInstance: request.hookInstance,
    patientId: context.patientId,
    ruleTitles: deps.ruleTitles,
    publicBaseUrl: deps.publicBaseUrl,
    uuid: (name) => uuidV5(name),
    reviewUrl: `${deps.publicBaseUrl}/review/${encodeURIComponent(context.patientId)}?report=${reviewToken}`,
    dataGaps: gathered.gaps.map((g) => g.label),
    kinshipTestUseful,
    issuedAt: now.toISOString(),
  });
  metrics.screenMs = Math.round(performance.now() - screenStarted);

  if (cards.length > 0) {
    deps.reviews.set(reviewToken, {
      patientId: context.patientId,
      report,
      asOf,
      rulesetVersion: deps.ruleset.version,
      screenedAt: now.toISOString(),
    });
    for (const card of cards) {
      if (card.uuid === undefined) continue;
      deps.cardContexts.set(card.uuid, {
        service: service.id,
        hookInstance: request.hookInstance,
        patientId: context.patientId,
        ...(typeof context.userId === 'string' ? { userId: context.userId } : {}),
        topic: card.source.topic?.code ?? 'screen-incomplete',
        indicator: card.indicator,
      });
    }
  }
  metrics.cards = cards.length;
  metrics.critical = cards.filter((c) => c.indicator === 'critical').length;
  metrics.warning = cards.filter((c) => c.indicator === 'warning').length;
  metrics.rules = cards.map((c) => c.source.topic?.code ?? 'screen-incomplete');
  metrics.screenStatus = report.status;
  metrics.notChecked = report.notChecked.length;
  return finish({ cards });
}
