import type { Alert, Family } from '../report.js';
import type { Settings } from '../settings.js';
import type { Ruleset } from '../rules/compiled-rule.js';
import { renderTemplate } from '../rules/template.js';

/**
 * red-flags.md §2.5: several weaker signals from different families escalate. At least
 * `warnings` warnings from at least `warningFamilies` families, or one warning plus
 * `infosWithOneWarning` info findings from other families, give one critical combination alert.
 */
export function combineFindings(all: Alert[], ruleset: Ruleset, settings: Settings, vars: Record<string, unknown>): Alert[] {
  const out: Alert[] = [];
  const counting = new Set(ruleset.rules.filter((r) => r.combines).map((r) => r.id));
  const alerts = all.filter((a) => counting.has(a.rule));
  for (const rule of ruleset.rules) {
    if (rule.kind !== 'combination' || !rule.enabled) continue;
    const { warnings: minWarnings, warningFamilies, infosWithOneWarning } = settings.combination;
    const warnings = alerts.filter((a) => a.severity === 'warning');
    const infos = alerts.filter((a) => a.severity === 'info');
    const familiesOf = (list: Alert[]): Set<Family> => new Set(list.map((a) => a.family));
    let contributing: Alert[] = [];
    if (warnings.length >= minWarnings && familiesOf(warnings).size >= warningFamilies) {
      contributing = warnings;
    } else if (warnings.length >= 1) {
      const warningFamiliesSet = familiesOf(warnings);
      const otherInfos = infos.filter((a) => !warningFamiliesSet.has(a.family));
      // One info per family counts: two info findings of the same family are one signal.
      if (familiesOf(otherInfos).size >= infosWithOneWarning) contributing = [...warnings, ...otherInfos];
    }
    if (contributing.length === 0) continue;
    const ids = contributing.map((a) => a.rule);
    const evidence = [...new Set(contributing.flatMap((a) => a.evidence))];
    const local = { ...vars, firedRules: ids, firedFamilies: [...familiesOf(contributing)] };
    out.push({
      rule: rule.id,
      version: rule.version,
      family: rule.family,
      severity: rule.baseSeverity,
      summary: renderTemplate(rule.summary, local),
      detail: [
        renderTemplate(rule.detail, local),
        `**Contributing indicators:** ${contributing.map((a) => `${a.rule} (${a.severity})`).join(', ')}`,
        `**Sources:** ${rule.citations.join('; ')}`,
      ].join('\n\n'),
      evidence,
      citations: rule.citations,
      actions: rule.actions,
      audience: rule.audience,
      contributing: ids,
    });
  }
  return out;
}
