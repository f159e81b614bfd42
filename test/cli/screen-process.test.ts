import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RULES_DIR } from '../support/engine.js';

const run = promisify(execFile);
const ROOT = join(RULES_DIR, '..');
const POSITIVE = join(RULES_DIR, 'payment.third-party-payer', 'fixtures', 'positive-agency-pays-lodging.json');

async function screen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'screen', '--', ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run --silent screen (the command line integrators script against)', () => {
  it('prints the JSON report on stdout and exits 0', async () => {
    const r = await screen([POSITIVE, '--format', 'json', '--as-of', '2026-03-02', '--centre-country', 'GB']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { asOf: string; rulesetVersion: string; workups: Array<{ donor: string; highest: string; alerts: Array<{ rule: string }> }> };
    expect(report.asOf).toBe('2026-03-02');
    expect(report.rulesetVersion).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(report.workups[0]?.alerts.map((a) => a.rule)).toContain('payment.third-party-payer');
  });

  it('--fail-on sets exit 3 when alerts reach the threshold, 0 when they do not', async () => {
    expect((await screen([POSITIVE, '--as-of', '2026-03-02', '--centre-country', 'GB', '--fail-on', 'warning'])).code).toBe(3);
    const negative = POSITIVE.replace('positive-agency-pays-lodging', 'negative-nhs-pays');
    expect((await screen([negative, '--as-of', '2026-03-02', '--centre-country', 'GB', '--fail-on', 'critical'])).code).toBe(0);
  });

  it('unusable input exits 2 with one line and no stack trace', async () => {
    const r = await screen(['/nonexistent.json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('donorguard: /nonexistent.json: no such file or folder');
  });

  it('an unknown option exits 2', async () => {
    const r = await screen([POSITIVE, '--colour', 'red']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--colour'");
  });
});
