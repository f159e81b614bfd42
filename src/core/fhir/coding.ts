import type { CodeableConcept, Coding } from 'fhir/r4.js';

/** Small, total helpers over CodeableConcept: untrusted data may hold anything, so every access is guarded. */

export function codings(concept: CodeableConcept | CodeableConcept[] | undefined): Coding[] {
  if (concept === undefined) return [];
  const list = Array.isArray(concept) ? concept : [concept];
  const out: Coding[] = [];
  for (const c of list) if (c && Array.isArray(c.coding)) for (const coding of c.coding) if (coding) out.push(coding);
  return out;
}

export function hasCode(
  concept: CodeableConcept | CodeableConcept[] | undefined,
  system: string,
  code?: string,
): boolean {
  return codings(concept).some((c) => c.system === system && (code === undefined || c.code === code));
}

/** First code of the given system, or undefined. */
export function codeIn(concept: CodeableConcept | CodeableConcept[] | undefined, system: string): string | undefined {
  return codings(concept).find((c) => c.system === system && typeof c.code === 'string')?.code;
}

export function codesIn(concept: CodeableConcept | CodeableConcept[] | undefined, system: string): string[] {
  return codings(concept)
    .filter((c) => c.system === system && typeof c.code === 'string')
    .map((c) => c.code as string);
}

/** A short human label for a concept: its text, or the display or code of its first coding. */
export function conceptLabel(concept: CodeableConcept | undefined): string | undefined {
  if (!concept) return undefined;
  if (typeof concept.text === 'string' && concept.text) return concept.text;
  const c = codings(concept)[0];
  return c?.display ?? c?.code;
}
