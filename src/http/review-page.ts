import { createHash } from 'node:crypto';
import type { CompiledRule } from '../core/rules/compiled-rule.js';
import type { WorkupReport } from '../core/report.js';

/**
 * Plain HTML pages a card links to: the donor's screening report (until the review queue exists) and
 * the documentation of each rule. Everything that comes from data is escaped; the pages hold no name or
 * other demographic (the donor appears as the id the clinician's chart already shows), load nothing,
 * run no script, and are sent with `Cache-Control: no-store`.
 */

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}',
  'h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}',
  '.critical{border-left:6px solid #b3261e}.warning{border-left:6px solid #b26a00}.info{border-left:6px solid #56708a}',
  'section.alert{padding:.4rem 1rem;margin:1rem 0;background:#f6f6f6}',
  '.detail{white-space:pre-wrap}.meta{color:#555;font-size:.9rem}code{font-size:.9em}',
].join('');

/** The Content-Security-Policy for these pages: nothing but this one inline style block. */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export interface ReviewEntry {
  patientId: string;
  report: WorkupReport;
  asOf: string;
  rulesetVersion: string;
  /** When the screen ran (ISO date-time). */
  screenedAt: string;
}

const SEVERITY_WORD = { critical: 'Critical', warning: 'Warning', info: 'Context' } as const;

export function renderReviewPage(entry: ReviewEntry, ruleTitles: ReadonlyMap<string, string>): string {
  const { report } = entry;
  const alerts = report.alerts
    .map((a) => {
      const title = ruleTitles.get(a.rule) ?? a.rule;
      return `<section class="alert ${a.severity}">
<h2>${SEVERITY_WORD[a.severity]}: ${escapeHtml(title)}</h2>
<p><strong>${escapeHtml(a.summary)}</strong></p>
<div class="detail">${escapeHtml(a.detail)}</div>
<p class="meta">Rule <a href="../rules/${encodeURIComponent(a.rule)}"><code>${escapeHtml(a.rule)}</code></a> version ${escapeHtml(a.version)}; family ${escapeHtml(a.family)}.</p>
</section>`;
    })
    .join('\n');
  const notChecked =
    report.notChecked.length === 0
      ? '<p>Everything the rules look at could be checked.</p>'
      : `<p>Where a point below was not checked, the absence of an alert about it does not mean it is in order.</p>\n<ul>\n${report.notChecked.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>`;
  const body = `<h1>DonorGuard screening report</h1>
<p class="meta">Donor <code>Patient/${escapeHtml(entry.patientId)}</code> · screened ${escapeHtml(entry.screenedAt)} as of ${escapeHtml(entry.asOf)} · ruleset ${escapeHtml(entry.rulesetVersion)}</p>
<p>Status: <strong>${report.status === 'complete' ? 'complete' : 'incomplete'}</strong> · highest: <strong>${escapeHtml(report.highest)}</strong> · pathway: ${escapeHtml(report.pathway ?? 'not known')} · surgery booked or ordered: ${report.surgeryBooked ? 'yes' : 'no'}</p>
<p>These are indicators that warrant independent review, not accusations: each also occurs in legitimate donation, and the donor may be a potential victim. For clinicians and compliance staff only: do not share with the donor's companions.</p>
<h2>Findings (${report.alerts.length})</h2>
${alerts || '<p>No indicator found.</p>'}
<h2>Not checked (${report.notChecked.length})</h2>
${notChecked}`;
  return page('DonorGuard screening report', body);
}

export function renderReviewNotFound(): string {
  return page(
    'DonorGuard screening report',
    "<h1>DonorGuard screening report</h1>\n<p>No recent screening report is available at this address. Reports are kept for a short time only; open the donor's chart again to screen the workup afresh.</p>",
  );
}

export function renderRulePage(rule: CompiledRule): string {
  const body = `<h1>${escapeHtml(rule.title)}</h1>
<p class="meta">Rule <code>${escapeHtml(rule.id)}</code> version ${escapeHtml(rule.version)} · family ${escapeHtml(rule.family)} · ${rule.enabled ? 'enabled' : 'disabled at this centre'}</p>
${rule.description ? `<p>${escapeHtml(rule.description)}</p>` : ''}
<h2>Sources</h2>
<ul>
${rule.citations.map((c) => `<li>${escapeHtml(c)}</li>`).join('\n')}
</ul>
<h2>Suggested actions</h2>
<ul>
${rule.actions.map((a) => `<li><code>${escapeHtml(a)}</code></li>`).join('\n')}
</ul>
<p><a href="./">All rules</a></p>`;
  return page(`DonorGuard rule ${rule.id}`, body);
}

export function renderRuleIndex(rules: readonly CompiledRule[], rulesetVersion: string): string {
  const items = [...rules]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(
      (r) =>
        `<li><a href="rules/${encodeURIComponent(r.id)}"><code>${escapeHtml(r.id)}</code></a>: ${escapeHtml(r.title)}</li>`,
    )
    .join('\n');
  const body = `<h1>DonorGuard rules</h1>
<p class="meta">Ruleset ${escapeHtml(rulesetVersion)}</p>
<p>A screen that could not check everything says so in a "Screen incomplete" card: the absence of an alert about a point that was not checked does not mean it is in order.</p>
<ul>
${items}
</ul>`;
  return page('DonorGuard rules', body);
}
