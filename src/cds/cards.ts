import type { Alert, WorkupReport } from '../core/report.js';
import type { Card, CdsCoding, CdsSuggestion } from './schemas.js';

/**
 * WorkupReport → CDS Hooks cards. Pure: no clock, no I/O; the uuid function and the time stamp for
 * suggested resources come from the caller.
 *
 * - One card per finding a surgeon must see: every critical alert, and warnings meant for surgeons.
 *   Info alerts (and compliance-only warnings) never make a card of their own: they are folded into
 *   the detail of a card of the same family, or into a general note on the first card.
 * - An incomplete screen adds one warning card "Screen incomplete: …" listing what was not checked, so
 *   an empty card list always means "screened, nothing found" (architecture.md: fail loud).
 * - Wording is the rules' own (red-flags.md §2: indicators that warrant independent review); what
 *   this module adds is neutral, and the suggested resources carry no word a companion could misread.
 */

export const RED_FLAG_SYSTEM = 'http://donorguard.org/fhir/CodeSystem/red-flag';
export const MITIGATION_SYSTEM = 'http://donorguard.org/fhir/CodeSystem/mitigation';
export const OVERRIDE_REASON_SYSTEM = 'http://donorguard.org/fhir/CodeSystem/override-reason';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const SOURCE_LABEL = 'DonorGuard';

/** The local CodeSystem of override reasons (displays are required by CDS Hooks). */
export const OVERRIDE_REASONS = {
  relationshipVerified: {
    system: OVERRIDE_REASON_SYSTEM,
    code: 'relationship-verified-by-assessor',
    display: 'Relationship verified by the independent assessor',
  },
  reimbursementItemised: {
    system: OVERRIDE_REASON_SYSTEM,
    code: 'reimbursement-itemised',
    display: 'Reimbursement itemised and paid through the programme',
  },
  reviewedByCompliance: {
    system: OVERRIDE_REASON_SYSTEM,
    code: 'reviewed-by-compliance',
    display: 'Reviewed by compliance or the ethics committee',
  },
  interpreterIndependent: {
    system: OVERRIDE_REASON_SYSTEM,
    code: 'interpreter-independent-confirmed',
    display: 'A professional interpreter independent of both parties is confirmed',
  },
  notApplicable: {
    system: OVERRIDE_REASON_SYSTEM,
    code: 'not-applicable',
    display: 'Not applicable to this donor (say why in the comment)',
  },
} as const satisfies Record<string, Required<CdsCoding>>;

const MITIGATION_DISPLAY: Record<string, string> = {
  'refer-independent-advocate': 'Refer to the independent advocate or assessor',
  'verify-relationship': 'Verify the relationship',
  'ethics-compliance-review': 'Ethics or compliance review',
};

export interface CardOptions {
  report: WorkupReport;
  hookInstance: string;
  /** The donor's id on the client's FHIR server (context.patientId). */
  patientId: string;
  /** Rule id → title (from the ruleset), for `source.topic.display`. */
  ruleTitles: ReadonlyMap<string, string>;
  /** This service's public base URL, without a trailing slash (rule documentation lives under it). */
  publicBaseUrl: string;
  /** Name → UUID (deterministic, e.g. version 5): card and suggestion uuids are derived from names. */
  uuid: (name: string) => string;
  /** The donor's screening report page, linked from every card. */
  reviewUrl?: string;
  /** What the hook could not read (labels): every finding card says the screen rests on partial data. */
  dataGaps?: readonly string[];
  /** A biological relationship is claimed and no kinship test result is on file: offer the test. */
  kinshipTestUseful?: boolean;
  /** ISO date-time for `authoredOn` of suggested resources. */
  issuedAt: string;
}

const MAX_NOT_CHECKED_LINES = 25;

/** Clips to the CDS Hooks summary limit (< 140 characters) on one line. */
export function clipSummary(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 139 ? line : `${line.slice(0, 138).trimEnd()}…`;
}

/** Raw HTML has no place in card markdown (GFM renders some): angle brackets become entities. */
function safeMarkdown(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function isCardAlert(alert: Alert): boolean {
  return alert.severity === 'critical' || (alert.severity === 'warning' && alert.audience.includes('surgeon'));
}

export function toCards(options: CardOptions): Card[] {
  const { report } = options;
  const cardAlerts = report.alerts.filter(isCardAlert);
  const folded = report.alerts.filter((a) => !isCardAlert(a));
  const notes = new Map<Alert, string[]>();
  const general: string[] = [];
  for (const alert of folded) {
    const home = cardAlerts.find((c) => c.family === alert.family);
    const line = `- ${alert.summary} (\`${alert.rule}\`, ${alert.severity === 'info' ? 'context' : 'for compliance review'})`;
    if (home) notes.set(home, [...(notes.get(home) ?? []), line]);
    else general.push(line);
  }

  const findingCards = cardAlerts.map((alert, i) =>
    alertCard(alert, notes.get(alert) ?? [], i === 0 ? general : [], options),
  );
  const cards: Card[] = [];
  const critical = findingCards.filter((c) => c.indicator === 'critical');
  cards.push(...critical);
  if (report.status === 'incomplete') cards.push(incompleteCard(options, findingCards.length === 0 ? general : []));
  cards.push(...findingCards.filter((c) => c.indicator !== 'critical'));
  return cards;
}

function links(options: CardOptions): Card['links'] {
  return options.reviewUrl
    ? [{ label: 'DonorGuard screening report for this donor', url: options.reviewUrl, type: 'absolute' }]
    : undefined;
}

function overrideReasonsFor(alert: Alert): Required<CdsCoding>[] {
  const out: Required<CdsCoding>[] = [];
  if (alert.family === 'relationship') out.push(OVERRIDE_REASONS.relationshipVerified);
  if (alert.family === 'payment') out.push(OVERRIDE_REASONS.reimbursementItemised);
  if (/interpreter|language/.test(alert.rule)) out.push(OVERRIDE_REASONS.interpreterIndependent);
  out.push(OVERRIDE_REASONS.reviewedByCompliance, OVERRIDE_REASONS.notApplicable);
  return out;
}

function alertCard(alert: Alert, related: string[], general: string[], options: CardOptions): Card {
  const title = options.ruleTitles.get(alert.rule) ?? alert.rule;
  const parts = [alert.detail];
  if (related.length > 0) parts.push(`**Related context:**\n\n${related.join('\n')}`);
  if (general.length > 0) parts.push(`**Other context from this screen:**\n\n${general.join('\n')}`);
  if ((options.dataGaps?.length ?? 0) > 0) {
    parts.push(
      '**Screened on partial data:** part of this donor\'s record could not be read (see the "Screen incomplete" card). ' +
        'A finding that rests on something not being on file may reflect the unread data; check before acting on it.',
    );
  }
  parts.push(
    `_DonorGuard rule \`${alert.rule}\` version ${alert.version}. An indicator that warrants independent review, not an accusation._`,
  );
  const base = `${options.hookInstance}|${alert.rule}`;
  const suggestions = suggestionsFor(alert, title, base, options);
  return {
    uuid: options.uuid(base),
    summary: clipSummary(alert.summary),
    detail: safeMarkdown(parts.join('\n\n')),
    indicator: alert.severity === 'critical' ? 'critical' : 'warning',
    source: {
      label: SOURCE_LABEL,
      url: `${options.publicBaseUrl}/rules/${encodeURIComponent(alert.rule)}`,
      topic: { system: RED_FLAG_SYSTEM, code: alert.rule, display: title },
    },
    suggestions,
    selectionBehavior: 'at-most-one',
    overrideReasons: overrideReasonsFor(alert),
    links: links(options),
  };
}

function incompleteCard(options: CardOptions, general: string[]): Card {
  const items = options.report.notChecked;
  const shown = items.slice(0, MAX_NOT_CHECKED_LINES).map((line) => `- ${line}`);
  if (items.length > shown.length) shown.push(`- … and ${items.length - shown.length} more (see the screening report)`);
  const count = items.length;
  const parts = [
    `DonorGuard could not check everything in this donor's workup. Where a point below was not checked, the absence of an alert ` +
      'about it does not mean it is in order.',
    `**Not checked (${count}):**\n\n${shown.join('\n')}`,
    'Recommended: complete or correct the missing records, or ask the living donor coordinator or compliance to review them, before surgery.',
  ];
  if (general.length > 0) parts.push(`**Other context from this screen:**\n\n${general.join('\n')}`);
  const base = `${options.hookInstance}|screen-incomplete`;
  const task = complianceTask(
    options,
    'Complete the safeguarding screen',
    'Review the safeguarding checks that could not be made for this donor before surgery.',
    'routine',
    undefined,
  );
  return {
    uuid: options.uuid(base),
    summary: clipSummary(
      `Screen incomplete: ${count} point${count === 1 ? '' : 's'} not checked; the absence of an alert on ${count === 1 ? 'it' : 'them'} is not clearance`,
    ),
    detail: safeMarkdown(parts.join('\n\n')),
    indicator: 'warning',
    source: { label: SOURCE_LABEL, url: `${options.publicBaseUrl}/rules` },
    suggestions: [
      {
        label: 'Ask compliance to review the unchecked points',
        uuid: options.uuid(`${base}|ethics-compliance-review`),
        actions: [
          { type: 'create', description: 'Create a compliance review task for the unchecked points', resource: task },
        ],
      },
    ],
    selectionBehavior: 'at-most-one',
    overrideReasons: [OVERRIDE_REASONS.reviewedByCompliance, OVERRIDE_REASONS.notApplicable],
    links: links(options),
  };
}

function redFlagCoding(rule: string, title: string): Required<CdsCoding> {
  return { system: RED_FLAG_SYSTEM, code: rule, display: title };
}

const SECURITY = { security: [{ system: CONFIDENTIALITY, code: 'R', display: 'restricted' }] };

function complianceTask(
  options: CardOptions,
  title: string,
  description: string,
  priority: 'routine' | 'urgent',
  reason: Required<CdsCoding> | undefined,
) {
  const patient = { reference: `Patient/${options.patientId}` };
  return {
    resourceType: 'Task',
    meta: SECURITY,
    status: 'requested',
    intent: 'order',
    priority,
    code: {
      coding: [
        {
          system: MITIGATION_SYSTEM,
          code: 'ethics-compliance-review',
          display: MITIGATION_DISPLAY['ethics-compliance-review'],
        },
      ],
      text: title,
    },
    description,
    focus: patient,
    for: patient,
    authoredOn: options.issuedAt,
    ...(reason ? { reasonCode: { coding: [reason] } } : {}),
  };
}

function serviceRequest(options: CardOptions, code: string, text: string, note: string, reason: Required<CdsCoding>) {
  return {
    resourceType: 'ServiceRequest',
    meta: SECURITY,
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: MITIGATION_SYSTEM, code, display: MITIGATION_DISPLAY[code] ?? code }], text },
    subject: { reference: `Patient/${options.patientId}` },
    authoredOn: options.issuedAt,
    reasonCode: [{ coding: [reason] }],
    note: [{ text: note }],
  };
}

function suggestionsFor(alert: Alert, title: string, base: string, options: CardOptions): CdsSuggestion[] {
  const reason = redFlagCoding(alert.rule, title);
  const critical = alert.severity === 'critical';
  const out: CdsSuggestion[] = [
    {
      label: 'Request an independent compliance review before surgery',
      uuid: options.uuid(`${base}|ethics-compliance-review`),
      ...(critical ? { isRecommended: true } : {}),
      actions: [
        {
          type: 'create',
          description: 'Create a compliance review task for this donor',
          resource: complianceTask(
            options,
            'Independent review before surgery',
            `Independent review before surgery: ${title}.`,
            critical ? 'urgent' : 'routine',
            reason,
          ),
        },
      ],
    },
  ];
  if (alert.family === 'consent' || alert.actions.includes('refer-independent-advocate')) {
    out.push({
      label: 'Refer to the independent advocate or assessor',
      uuid: options.uuid(`${base}|refer-independent-advocate`),
      actions: [
        {
          type: 'create',
          description: 'Create a referral to the independent living donor advocate or assessor',
          resource: serviceRequest(
            options,
            'refer-independent-advocate',
            'Independent living donor advocate or assessor review',
            'See the donor alone, with a professional interpreter independent of both parties where one is needed.',
            reason,
          ),
        },
      ],
    });
  }
  if (
    alert.family === 'relationship' &&
    alert.actions.includes('verify-relationship') &&
    options.kinshipTestUseful === true
  ) {
    out.push({
      label: 'Order an accredited kinship DNA test',
      uuid: options.uuid(`${base}|verify-relationship`),
      actions: [
        {
          type: 'create',
          description: 'Create an order for an accredited kinship DNA test',
          resource: serviceRequest(
            options,
            'verify-relationship',
            'Accredited kinship DNA test',
            "With the donor's consent; agree privately with the donor beforehand what is disclosed if the result does not support the claimed relationship.",
            reason,
          ),
        },
      ],
    });
  }
  return out;
}
