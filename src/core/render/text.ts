import type { ScreenReport, Severity, WorkupReport } from '../report.js';

const LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'info' };

function workupText(w: WorkupReport): string {
  const lines: string[] = [];
  const head = `Donor ${w.donor}` + (w.recipient ? ` → recipient ${w.recipient}` : '') + (w.pathway ? ` (${w.pathway})` : '');
  lines.push(head + (w.source ? `  [${w.source}]` : ''));
  const status =
    w.status === 'complete' ? 'screen complete' : `SCREEN INCOMPLETE: ${w.notChecked.length} item(s) not checked`;
  lines.push(`  ${status}; highest: ${w.highest}; surgery ${w.surgeryBooked ? 'booked' : 'not booked'}`);
  if (w.alerts.length === 0) lines.push(w.status === 'complete' ? '  No indicators found.' : '  No indicators found in what could be checked.');
  for (const severity of ['critical', 'warning', 'info'] as const) {
    for (const a of w.alerts.filter((x) => x.severity === severity)) {
      lines.push(`  [${LABEL[severity]}] ${a.rule} v${a.version}: ${a.summary}`);
      if (a.evidence.length > 0) lines.push(`      evidence: ${a.evidence.join(', ')}`);
      lines.push(`      actions: ${a.actions.join(', ')}`);
    }
  }
  if (w.notChecked.length > 0) {
    lines.push('  Not checked:');
    for (const n of w.notChecked) lines.push(`    - ${n}`);
  }
  return lines.join('\n');
}

/** The terminal rendering: one block per donor, most severe first, then what was not checked. */
export function toText(report: ScreenReport): string {
  const counts = { critical: 0, warning: 0, info: 0, none: 0 };
  for (const w of report.workups) counts[w.highest] += 1;
  const header = [
    `DonorGuard screen as of ${report.asOf} (ruleset ${report.rulesetVersion})`,
    `${report.workups.length} donor(s): ${counts.critical} critical, ${counts.warning} warning, ${counts.info} info only, ${counts.none} with no indicator; ` +
      `${report.workups.filter((w) => w.status === 'incomplete').length} incomplete`,
    'Indicators warrant independent review; they are not findings of wrongdoing. The donor may be a victim.',
  ].join('\n');
  return [header, ...report.workups.map(workupText)].join('\n\n') + '\n';
}
