import type { CodeSystem } from 'fhir/r4.js';
import { CS, DG } from '../fhir/codes.js';
import type { Ruleset } from '../rules/compiled-rule.js';

/**
 * CodeSystem/red-flag, generated from `rules/` so the rule files stay the one source of truth: each
 * rule id is a code, with its family and default severity as properties.
 */
export function redFlagCodeSystem(ruleset: Ruleset): CodeSystem {
  const rules = [...ruleset.rules].sort((a, b) => a.id.localeCompare(b.id));
  return {
    resourceType: 'CodeSystem',
    id: 'red-flag',
    url: CS.redFlag,
    version: ruleset.version,
    name: 'DonorGuardRedFlag',
    title: 'DonorGuard red-flag indicators',
    status: 'active',
    experimental: false,
    publisher: 'DonorGuard',
    description:
      'Indicators of trafficking in persons for organ removal in living-donor workups. Each code is a DonorGuard rule id; an alert with this code is an indicator that warrants independent review, not a finding of wrongdoing. Generated from the rules folder; do not edit.',
    caseSensitive: true,
    valueSet: `${DG}/ValueSet/red-flag`,
    content: 'complete',
    count: rules.length,
    property: [
      { code: 'family', uri: `${DG}/CodeSystem/red-flag#family`, description: 'The indicator family', type: 'code' },
      { code: 'severity', uri: `${DG}/CodeSystem/red-flag#severity`, description: 'Default severity: critical | warning | info', type: 'code' },
    ],
    concept: rules.map((r) => ({
      code: r.id,
      display: r.title,
      definition: r.description ?? r.title,
      property: [
        { code: 'family', valueCode: r.family },
        { code: 'severity', valueCode: r.baseSeverity },
      ],
    })),
  };
}
