import { z } from 'zod';
import { AUDIENCES, FAMILIES, SEVERITIES } from '../report.js';

/** Codes of CodeSystem/mitigation (red-flags.md §5): the actions a rule may suggest. */
export const MITIGATIONS = [
  'refer-independent-advocate',
  'interview-donor-alone',
  'verify-relationship',
  'verify-identity',
  'review-finances',
  'extend-evaluation',
  'psychosocial-reassessment',
  'confirm-follow-up-plan',
  'offer-confidential-exit',
  'ethics-compliance-review',
  'notify-authority',
] as const;
export type Mitigation = (typeof MITIGATIONS)[number];

const expression = z.string().trim().min(1, 'an expression is required');
const ruleId = z.string().regex(/^[a-z]+\.[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a rule id is `family.kebab-name`');

const severityChange = z
  .object({
    to: z.enum(SEVERITIES),
    when: expression,
    /** Shown in the alert detail, e.g. "surgery is booked". */
    because: z.string().min(3),
  })
  .strict();

const common = {
  id: ruleId,
  version: z.union([z.string().regex(/^\d+(\.\d+)*$/), z.int().positive()]).transform(String),
  family: z.enum(FAMILIES),
  title: z.string().min(3).max(120),
  description: z.string().min(3).optional(),
  audience: z.array(z.enum(AUDIENCES)).min(1),
  enabled: z.boolean().default(true),
  /**
   * Whether the finding counts in the combination step. Completeness gaps that are not in themselves
   * trafficking indicators (a consent not yet signed early in a workup) set this to false, so an
   * ordinary workup in progress does not escalate.
   */
  combines: z.boolean().default(true),
  summary: z.string().min(10),
  detail: z.string().min(10),
  citations: z.array(z.string().min(3)).min(1),
  actions: z.array(z.enum(MITIGATIONS)).min(1),
  fixtures: z.record(z.string().regex(/^(positive|negative)-[a-z0-9-]+\.json$/), z.object({ severity: z.enum(SEVERITIES) }).strict()).optional(),
};

export const conditionRuleSchema = z
  .object({
    ...common,
    kind: z.literal('condition').default('condition'),
    /** Skip the rule (and its `needs`) when false, e.g. relationship rules for non-directed donors. */
    applies: expression.optional(),
    /** Facts the rule depends on; when a check is not true, `otherwise` joins the screen's not-checked list. */
    needs: z.array(z.object({ check: expression, otherwise: z.string().min(5) }).strict()).default([]),
    condition: expression,
    /** References (strings) to the resources that triggered the alert. */
    evidence: expression,
    severity: z
      .object({
        base: z.enum(SEVERITIES),
        lower: z.array(severityChange).default([]),
        raise: z.array(severityChange).default([]),
      })
      .strict(),
  })
  .strict();

export const combinationRuleSchema = z
  .object({
    ...common,
    kind: z.literal('combination'),
    severity: z.object({ base: z.enum(SEVERITIES) }).strict(),
  })
  .strict();

export const ruleFileSchema = z.discriminatedUnion('kind', [
  conditionRuleSchema.extend({ kind: z.literal('condition') }),
  combinationRuleSchema,
]);

/** Rule files may omit `kind` (a condition rule); normalise before the discriminated union sees it. */
export function withDefaultKind(raw: unknown): unknown {
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && !('kind' in raw)) return { ...raw, kind: 'condition' };
  return raw;
}

export type ConditionRuleSpec = z.infer<typeof conditionRuleSchema>;
export type CombinationRuleSpec = z.infer<typeof combinationRuleSchema>;
export type RuleSpec = z.infer<typeof ruleFileSchema>;
