import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors/index.js';
import { normaliseSearchQuery } from '../../src/fhir-server/index.js';

const BASE = 'https://demo.example.org/fhir';
const norm = (type: string, query: string, strict = true): string =>
  decodeURIComponent(normaliseSearchQuery(type, new URLSearchParams(query), { baseUrl: BASE, strict }).toString());

describe('normaliseSearchQuery', () => {
  it('prefixes a bare id with the only target type', () => {
    expect(norm('RelatedPerson', 'patient=123')).toBe('patient=Patient/123');
  });

  it('expands a bare id to every target type, Patient first', () => {
    expect(norm('Observation', 'subject=123')).toBe('subject=Patient/123,Group/123,Device/123,Location/123');
  });

  it('turns a type modifier into a typed reference', () => {
    expect(norm('Observation', 'subject:Patient=123')).toBe('subject=Patient/123');
  });

  it('makes absolute references on this server relative and keeps others', () => {
    expect(norm('RelatedPerson', `patient=${BASE}/Patient/9,https://other.example.org/fhir/Patient/9`)).toBe(
      'patient=Patient/9,https://other.example.org/fhir/Patient/9',
    );
  });

  it('keeps :missing, :not and non-reference parameters as they are', () => {
    expect(norm('Observation', 'subject:missing=true&code=http://loinc.org|1234-5&date=ge2024-01-01')).toBe(
      'subject:missing=true&code=http://loinc.org|1234-5&date=ge2024-01-01',
    );
    expect(norm('RelatedPerson', 'patient:not=1')).toBe('patient:not=Patient/1');
  });

  it.each([
    ['Observation', 'colour=red'],
    ['Observation', 'subject.name=x'],
    ['Observation', '_has:Observation:patient:code=1'],
    ['Observation', 'value-quantity=5'],
    ['Observation', 'subject:identifier=sys|1'],
    ['Observation', '_count=ten'],
    ['Observation', '_sort=colour'],
    ['Observation', '_include=Patient:organization'],
    ['Observation', '_include:iterate=Observation:subject'],
    ['Observation', '_revinclude=Provenance:nothing'],
  ])('refuses %s?%s in strict mode', (type, query) => {
    expect(() => norm(type, query)).toThrow(HttpError);
  });

  it('only rewrites in lenient mode', () => {
    expect(norm('Observation', 'colour=red&patient=1', false)).toBe('colour=red&patient=Patient/1');
  });
});
