import { mkdir, mkdtemp, readFile, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleFile, loadRules } from '../../src/adapters/rules-loader.js';
import { loadSettings } from '../../src/adapters/settings-loader.js';
import { SourceError } from '../../src/adapters/yaml-source.js';
import { RULES_DIR } from '../support/engine.js';

const MODEL = join(RULES_DIR, 'payment.third-party-payer', 'rule.yaml');

function problemsFor(text: string): string[] {
  const problems: string[] = [];
  compileRuleFile('rules/x/rule.yaml', text, problems);
  return problems;
}

describe('rule files are checked at load, with file, line and column', () => {
  it('the model rule compiles cleanly', async () => {
    expect(problemsFor(await readFile(MODEL, 'utf8'))).toEqual([]);
  });

  it('a schema error names the line and column of the offending value', async () => {
    const text = (await readFile(MODEL, 'utf8')).replace('family: payment', 'family: money');
    const line = text.split('\n').findIndex((l) => l.startsWith('family:')) + 1;
    const problems = problemsFor(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^rules/x/rule\\.yaml:${line}:9 family: `));
  });

  it('a FHIRPath syntax error stops the load at the expression line', async () => {
    const text = (await readFile(MODEL, 'utf8')).replace('condition: "%money.thirdPartyPayerRefs.exists()"', 'condition: "%money.thirdPartyPayerRefs.exists("');
    const line = text.split('\n').findIndex((l) => l.startsWith('condition:')) + 1;
    const problems = problemsFor(text);
    expect(problems[0]).toMatch(new RegExp(`^rules/x/rule\\.yaml:${line}:\\d+ condition: FHIRPath`));
  });

  it('an unknown variable is refused at load, not at screening time', async () => {
    const text = (await readFile(MODEL, 'utf8')).replace('%money.thirdPartyPayerRefs.exists()', '%mony.thirdPartyPayerRefs.exists()');
    const problems = problemsFor(text);
    expect(problems.join('\n')).toContain('unknown variable %mony');
  });

  it('unknown members, bad mitigation codes and YAML errors are reported', async () => {
    expect((problemsFor((await readFile(MODEL, 'utf8')) + 'colour: red\n')).join('\n')).toMatch(/Unrecognized key.*colour|colour/);
    expect((problemsFor((await readFile(MODEL, 'utf8')).replace('review-finances,', 'call-police,'))).join('\n')).toContain('actions.0');
    expect((problemsFor('id: [unclosed\n'))[0]).toMatch(/^rules\/x\/rule\.yaml:\d+:\d+ /);
  });

  it('a folder whose name differs from the rule id is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-rules-'));
    await cp(join(RULES_DIR, 'terminology'), join(dir, 'terminology'), { recursive: true });
    await mkdir(join(dir, 'payment.renamed'));
    await writeFile(join(dir, 'payment.renamed', 'rule.yaml'), await readFile(MODEL, 'utf8'));
    await expect(loadRules(dir)).rejects.toThrow(/must equal its folder name "payment.renamed"/);
  });
});

describe('settings', () => {
  const defaults = join(RULES_DIR, 'settings.default.yaml');

  it('the documented defaults load', async () => {
    const s = await loadSettings(defaults);
    expect(s.recentArrivalDays).toBe(30);
    expect(s.centreCountry).toBeNull();
  });

  it('a centre file overrides a subset, and --centre-country overrides that', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-settings-'));
    const file = join(dir, 'centre.yaml');
    await writeFile(file, 'centreCountry: IN\nrecentArrivalDays: 60\nallowLists:\n  hostels: [Kidney Patients Hostel]\n');
    const s = await loadSettings(defaults, file, { centreCountry: 'GB' });
    expect(s).toMatchObject({ centreCountry: 'GB', recentArrivalDays: 60, minimumDonorAge: 18 });
    expect(s.allowLists.hostels).toEqual(['Kidney Patients Hostel']);
    expect(s.allowLists.payers).toEqual([]);
  });

  it('a wrong value names file, line and column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-settings-'));
    const file = join(dir, 'centre.yaml');
    await writeFile(file, '# centre\nrecentArrivalDays: soon\n');
    const err = await loadSettings(defaults, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).problems[0]).toMatch(/centre\.yaml:2:20 recentArrivalDays: /);
  });
});
