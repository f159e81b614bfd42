import { describe, expect, it } from 'vitest';
import { ResourceIndex } from '../../src/core/fhir/resource-index.js';
import { ancestorsAndSelf, classify, inverseRole } from '../../src/core/terminology/role-codes.js';
import { ageInYears, daysBetween } from '../../src/core/dates.js';
import { stableId } from '../../src/core/render/stable-id.js';
import { rules } from '../support/engine.js';

describe('reference resolution', () => {
  const index = new ResourceIndex([
    { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', id: 'a' }, where: 'f#entry[0]' },
    { fullUrl: 'http://ehr.example.org/fhir/Patient/b', resource: { resourceType: 'Patient', id: 'b' }, where: 'f#entry[1]' },
    { resource: { resourceType: 'RelatedPerson', id: 'r', patient: { reference: 'Patient/b' } }, fullUrl: 'http://ehr.example.org/fhir/RelatedPerson/r', where: 'f#entry[2]' },
  ]);
  it('resolves urn:uuid, relative, absolute and versioned references', () => {
    expect(index.resolve('urn:uuid:11111111-1111-4111-8111-111111111111')?.resource.id).toBe('a');
    expect(index.resolve('Patient/a')?.resource.id).toBe('a');
    expect(index.resolve('http://ehr.example.org/fhir/Patient/b')?.resource.id).toBe('b');
    expect(index.resolve('Patient/b/_history/3')?.resource.id).toBe('b');
    expect(index.resolve('Patient/zz')).toBeUndefined();
    expect(index.resolve('#contained')).toBeUndefined();
  });
  it('answers who points at a resource', () => {
    const b = index.resolve('Patient/b')!;
    expect(index.referrers(b).map((e) => e.resource.id)).toEqual(['r']);
  });
});

describe('relationship codes reason by subsumption', () => {
  it('classifies codes at any depth of the hierarchy', async () => {
    const { roleCodes } = await rules();
    const cls = (code: string) => classify(ancestorsAndSelf(roleCodes, code), code);
    expect(cls('ITWINSIS')).toEqual({ relationClass: 'identical-twin', biological: true });
    expect(cls('TWINBRO').relationClass).toBe('sibling');
    expect(cls('NMTH')).toEqual({ relationClass: 'parent-child', biological: true });
    expect(cls('STPFTH')).toEqual({ relationClass: 'parent-child', biological: false });
    expect(cls('WIFE').relationClass).toBe('spouse-partner');
    expect(cls('MCOUSN')).toEqual({ relationClass: 'extended-family', biological: true });
    expect(cls('SISINLAW')).toEqual({ relationClass: 'extended-family', biological: false });
    expect(cls('FAMMEMB').relationClass).toBe('family-unspecified');
    expect(cls('ROOM').relationClass).toBe('unrelated');
    expect(ancestorsAndSelf(roleCodes, 'ITWIN')).toEqual(expect.arrayContaining(['TWIN', 'NSIB', 'SIB', 'FAMMEMB']));
  });
  it('inverts the direction when the RelatedPerson describes the recipient', () => {
    expect(inverseRole('MTH')).toBe('CHILD');
    expect(inverseRole('SONC')).toBe('PRN');
    expect(inverseRole('WIFE')).toBe('SPS');
    expect(inverseRole('AUNT')).toBe('NIENEPH');
  });
});

describe('calendar arithmetic never reads the clock', () => {
  it('counts whole days and completed years', () => {
    expect(daysBetween('2026-02-01', '2026-03-02T23:59:00+14:00')).toBe(29);
    expect(daysBetween(undefined, '2026-03-02')).toBeNull();
    expect(ageInYears('2008-03-03', '2026-03-02')).toBe(17);
    expect(ageInYears('2008-03-02', '2026-03-02')).toBe(18);
    expect(ageInYears('1990', '2026-03-02')).toBe(35);
  });
  it('gives stable finding ids', () => {
    expect(stableId('Patient/1', 'payment.third-party-payer')).toBe(stableId('Patient/1', 'payment.third-party-payer'));
    expect(stableId('Patient/1', 'a')).not.toBe(stableId('Patient/2', 'a'));
  });
});
