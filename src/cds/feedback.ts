import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from 'fhir/r4.js';
import { Client } from 'fhir-kit-client';
import type { FeedbackItem } from './schemas.js';
import { uuidV5 } from './uuid.js';

/**
 * CDS Hooks feedback (`POST /cds-services/{id}/feedback`) as FHIR AuditEvents: the record a compliance
 * officer reads to see who accepted or overrode which red flag, and why. Each feedback item is stored
 * once: the AuditEvent carries a tag derived from the card uuid and the outcome, and is written with a
 * conditional create (`If-None-Exist: _tag=…`), so a retried or batched resend stores nothing new.
 * (R4 AuditEvent has no `identifier`; `_tag` is the search every server supports.)
 */

export const FEEDBACK_KEY_SYSTEM = 'http://donorguard.org/fhir/cds-feedback-key';
export const AUDIT_EVENT_TYPE_SYSTEM = 'http://donorguard.org/fhir/CodeSystem/audit-event-type';
export const CDS_FEEDBACK_OUTCOME_SYSTEM = 'http://donorguard.org/fhir/CodeSystem/cds-feedback-outcome';
const RED_FLAG_SYSTEM = 'http://donorguard.org/fhir/CodeSystem/red-flag';

export type StoreResult = 'created' | 'exists';

export interface AuditStore {
  /** Stores the event unless one tagged `key` exists already. */
  storeOnce(event: AuditEvent, key: Required<Pick<Coding, 'system' | 'code'>>): Promise<StoreResult>;
}

/** What the service remembered about a card when it issued it (absent when another instance issued it). */
export interface CardContext {
  service: string;
  hookInstance: string;
  patientId: string;
  userId?: string;
  /** Rule id, or `screen-incomplete`. */
  topic: string;
  indicator: string;
}

export function feedbackKey(item: Pick<FeedbackItem, 'card' | 'outcome'>): Required<Pick<Coding, 'system' | 'code'>> {
  return { system: FEEDBACK_KEY_SYSTEM, code: uuidV5(`cds-feedback|${item.card}|${item.outcome}`) };
}

export interface FeedbackCaller {
  /** The CDS client's JWT issuer (auth on), else undefined. */
  iss?: string;
  tenant?: string;
}

/** One feedback item as an AuditEvent. `recordedAt` is when the service received it. */
export function feedbackAuditEvent(
  item: FeedbackItem,
  serviceId: string,
  card: CardContext | undefined,
  caller: FeedbackCaller,
  recordedAt: string,
): AuditEvent {
  const key = feedbackKey(item);
  const agents: AuditEventAgent[] = [];
  if (
    card?.userId !== undefined &&
    /^(Practitioner|PractitionerRole|Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/.test(card.userId)
  ) {
    agents.push({
      who: { reference: card.userId },
      requestor: true,
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
            code: 'humanuser',
            display: 'human user',
          },
        ],
      },
    });
  }
  agents.push({
    who:
      caller.iss !== undefined
        ? { identifier: { system: 'urn:ietf:rfc:3986', value: caller.iss }, display: 'CDS client (EHR)' }
        : { display: 'CDS client (EHR), not authenticated (demo mode)' },
    requestor: agents.length === 0,
    type: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
          code: 'dataprocessor',
          display: 'data processor',
        },
      ],
    },
  });

  const detail = (type: string, value: string | undefined): NonNullable<AuditEventEntity['detail']> =>
    value === undefined || value === '' ? [] : [{ type, valueString: value }];
  const reason = item.overrideReason?.reason;
  const entity: AuditEventEntity[] = [
    {
      what: { identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${item.card}` }, display: 'CDS Hooks card' },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      detail: [
        { type: 'service', valueString: serviceId },
        { type: 'outcome', valueString: item.outcome },
        { type: 'outcomeTimestamp', valueString: item.outcomeTimestamp },
        ...detail('topic', card?.topic),
        ...detail('indicator', card?.indicator),
        ...detail('hookInstance', card?.hookInstance),
        ...detail(
          'overrideReason',
          reason ? [reason.system, reason.code].filter((x) => x !== undefined).join('|') : undefined,
        ),
        ...detail('overrideReasonDisplay', reason?.display),
        ...detail('userComment', item.overrideReason?.userComment),
        ...detail('acceptedSuggestions', item.acceptedSuggestions?.map((s) => s.id).join(',')),
      ],
    },
  ];
  if (card !== undefined) {
    entity.unshift({
      what: { reference: `Patient/${card.patientId}` },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  return {
    resourceType: 'AuditEvent',
    meta: {
      tag: [key],
      security: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' },
      ],
    },
    type: { system: AUDIT_EVENT_TYPE_SYSTEM, code: 'cds-feedback', display: 'CDS Hooks card feedback' },
    subtype: [
      {
        system: CDS_FEEDBACK_OUTCOME_SYSTEM,
        code: item.outcome,
        display: item.outcome === 'accepted' ? 'Card accepted' : 'Card overridden',
      },
      ...(card !== undefined && card.topic !== 'screen-incomplete'
        ? [{ system: RED_FLAG_SYSTEM, code: card.topic }]
        : []),
    ],
    action: 'E',
    period: { start: item.outcomeTimestamp, end: item.outcomeTimestamp },
    recorded: recordedAt,
    outcome: '0',
    agent: agents,
    source: {
      observer: { display: 'DonorGuard CDS service' },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity,
  };
}

export interface FhirAuditStoreOptions {
  /** The FHIR base URL (a function when it is known only once the server listens). */
  baseUrl: string | (() => string);
  timeoutMs: number;
  bearerToken?: string;
}

/**
 * Writes AuditEvents with fhir-kit-client's conditional create. Writes with the same key are also
 * serialised in this process, so two identical feedback posts arriving together store one event even
 * on a server whose conditional create is not atomic.
 */
export function createFhirAuditStore(options: FhirAuditStoreOptions): AuditStore {
  const inFlight = new Map<string, Promise<StoreResult>>();
  let client: Client | undefined;
  let clientBase: string | undefined;
  const clientFor = (): Client => {
    const base = typeof options.baseUrl === 'function' ? options.baseUrl() : options.baseUrl;
    if (!client || clientBase !== base) {
      client = new Client({
        baseUrl: base,
        ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
      });
      clientBase = base;
    }
    return client;
  };
  const write = async (event: AuditEvent, key: Required<Pick<Coding, 'system' | 'code'>>): Promise<StoreResult> => {
    const result = await clientFor().create({
      resourceType: 'AuditEvent',
      body: event as never,
      options: {
        headers: { 'If-None-Exist': `_tag=${encodeURIComponent(`${key.system}|${key.code}`)}` },
        signal: AbortSignal.timeout(options.timeoutMs),
      },
    });
    return Client.httpFor(result).response?.status === 201 ? 'created' : 'exists';
  };
  return {
    storeOnce(event, key) {
      const id = `${key.system}|${key.code}`;
      const previous = inFlight.get(id) ?? Promise.resolve<StoreResult | undefined>(undefined);
      const next = previous
        .catch(() => undefined)
        .then((done) => (done !== undefined ? 'exists' : write(event, key)))
        .finally(() => {
          if (inFlight.get(id) === next) inFlight.delete(id);
        });
      inFlight.set(id, next);
      return next;
    },
  };
}
