import type { QuestionnaireResponse, QuestionnaireResponseItem } from 'fhir/r4.js';
import { SAFEGUARDING_QUESTIONNAIRE } from '../fhir/codes.js';
import type { AnswerValue } from '../workup/types.js';
import { type GatherContext, referringVia } from './context.js';

function answerValue(item: QuestionnaireResponseItem): AnswerValue | undefined {
  const a = item.answer?.[0];
  if (!a) return undefined;
  if (typeof a.valueBoolean === 'boolean') return a.valueBoolean;
  if (typeof a.valueCoding?.code === 'string') return a.valueCoding.code;
  if (typeof a.valueString === 'string') return a.valueString;
  if (typeof a.valueReference?.reference === 'string') return a.valueReference.reference;
  if (typeof a.valueInteger === 'number') return a.valueInteger;
  if (typeof a.valueDecimal === 'number') return a.valueDecimal;
  if (typeof a.valueDate === 'string') return a.valueDate;
  if (typeof a.valueDateTime === 'string') return a.valueDateTime;
  return undefined;
}

function flatten(items: QuestionnaireResponseItem[] | undefined, into: Record<string, AnswerValue>, depth = 0): void {
  if (!items || depth > 8) return;
  for (const item of items) {
    if (!item || typeof item.linkId !== 'string') continue;
    const v = answerValue(item);
    if (v !== undefined && !(item.linkId in into)) into[item.linkId] = v;
    flatten(item.item, into, depth + 1);
    for (const a of item.answer ?? []) flatten(a?.item, into, depth + 1);
  }
}

/** The latest completed safeguarding questionnaire, flattened to linkId → first answer. */
export function safeguardingAnswers(ctx: GatherContext): { answers: Record<string, AnswerValue>; ref: string | null } {
  const responses = referringVia(ctx, ctx.donor, 'QuestionnaireResponse', (r: QuestionnaireResponse) => r.subject)
    .filter((e) => {
      const q = e.resource as QuestionnaireResponse;
      return (
        typeof q.questionnaire === 'string' &&
        q.questionnaire.split('|')[0] === SAFEGUARDING_QUESTIONNAIRE &&
        (q.status === 'completed' || q.status === 'amended')
      );
    })
    .sort((a, b) =>
      ((b.resource as QuestionnaireResponse).authored ?? '').localeCompare((a.resource as QuestionnaireResponse).authored ?? ''),
    );
  const latest = responses[0];
  if (!latest) return { answers: {}, ref: null };
  const answers: Record<string, AnswerValue> = Object.create(null) as Record<string, AnswerValue>;
  flatten((latest.resource as QuestionnaireResponse).item, answers);
  return { answers: { ...answers }, ref: ctx.index.keyOf(latest) };
}
