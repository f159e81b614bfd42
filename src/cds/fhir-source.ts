import { Client } from 'fhir-kit-client';

/**
 * The client's FHIR server as a hook call sees it: fhir-kit-client 2 with the user-scoped
 * `fhirAuthorization.access_token` (held only in this object, never logged or stored), every call under
 * its own timeout and the hook's overall deadline, every request counted, and failures turned into a
 * few kinds the service can explain in words ("the FHIR server refused the token (HTTP 401)").
 */

export type FailureKind = 'http' | 'timeout' | 'deadline' | 'network' | 'malformed' | 'not-allowed';

export class FhirFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status?: number,
  ) {
    super(kind === 'http' ? `HTTP ${status ?? '?'}` : kind);
    this.name = 'FhirFailure';
  }
}

/** Words for a failure, for "not checked" lines and OperationOutcomes. No URLs, tokens or payloads. */
export function describeFailure(failure: FhirFailure, budgets: { callTimeoutMs: number; deadlineMs: number }): string {
  switch (failure.kind) {
    case 'http':
      if (failure.status === 401) return 'the FHIR server refused the access token (HTTP 401)';
      if (failure.status === 403) return 'the FHIR server denied access (HTTP 403)';
      if (failure.status === 404) return 'the FHIR server has no such record (HTTP 404)';
      if (failure.status !== undefined && failure.status >= 500)
        return `the FHIR server failed (HTTP ${failure.status})`;
      return `the FHIR server refused the request (HTTP ${failure.status ?? '?'})`;
    case 'timeout':
      return `the FHIR server did not answer within ${budgets.callTimeoutMs} ms`;
    case 'deadline':
      return `the hook's time budget (${budgets.deadlineMs} ms) ran out`;
    case 'network':
      return 'the FHIR server could not be reached';
    case 'malformed':
      return "the FHIR server's answer was not valid FHIR JSON";
    case 'not-allowed':
      return 'the fhirServer given is not one this service may call';
  }
}

export interface FhirSourceOptions {
  baseUrl: string;
  bearerToken?: string;
  callTimeoutMs: number;
  /** Aborts every call when the hook's budget is spent. */
  deadline: AbortSignal;
  /** The hook's budget, for messages. */
  deadlineMs: number;
}

const DEFAULT_MAX_PAGES = 10;

export interface PagedResult {
  /** The pages read, first page included. */
  pages: unknown[];
  /** Set when not every page could be read: words for a "not checked" line. */
  incomplete?: string;
}

export class FhirSource {
  /** HTTP requests made so far (reads, searches, pages, batches). */
  requests = 0;
  readonly baseUrl: string;
  private readonly client: Client;
  private readonly base: URL;

  constructor(private readonly options: FhirSourceOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.base = new URL(`${this.baseUrl}/`);
    this.client = new Client({
      baseUrl: this.baseUrl,
      ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
    });
  }

  get deadline(): AbortSignal {
    return this.options.deadline;
  }

  /** True for an absolute URL on this FHIR server (same origin, under its base path). */
  isOwnUrl(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    return (
      parsed.origin === this.base.origin &&
      parsed.pathname.startsWith(this.base.pathname) &&
      parsed.username === '' &&
      parsed.password === ''
    );
  }

  /** GET a path relative to the base (`Patient/1`, `Consent?patient=1`) or an absolute URL on this server. */
  async get(pathOrUrl: string): Promise<unknown> {
    if (/^https?:/i.test(pathOrUrl) && !this.isOwnUrl(pathOrUrl)) throw new FhirFailure('not-allowed');
    return this.call(() => this.client.request(pathOrUrl, { options: { signal: this.signal() } }));
  }

  /** POST a batch Bundle to the base. */
  async batch(bundle: Record<string, unknown>): Promise<unknown> {
    return this.call(() =>
      this.client.batch({ body: bundle as Parameters<Client['batch']>[0]['body'], options: { signal: this.signal() } }),
    );
  }

  /**
   * Every page of a searchset, following `next` links on this server only (a link elsewhere would
   * carry the user's token to a third party), at most `maxPages` pages, stopping at a repeated link.
   */
  async allPages(first: unknown, maxPages = DEFAULT_MAX_PAGES): Promise<PagedResult> {
    const pages: unknown[] = [first];
    const seen = new Set<string>();
    let current = first;
    for (;;) {
      const next = nextLink(current);
      if (next === undefined) return { pages };
      if (!this.isOwnUrl(next)) return { pages, incomplete: 'its next page is on another server, so it was not read' };
      if (seen.has(next)) return { pages, incomplete: 'its paging links loop, so later pages were not read' };
      if (pages.length >= maxPages) return { pages, incomplete: `only the first ${maxPages} pages were read` };
      seen.add(next);
      try {
        current = await this.get(next);
      } catch (err) {
        const failure = err instanceof FhirFailure ? err : new FhirFailure('network');
        return {
          pages,
          incomplete: `page ${pages.length + 1} could not be read: ${describeFailure(failure, this.budgets())}`,
        };
      }
      if (!isBundle(current)) return { pages, incomplete: `page ${pages.length + 1} was not a Bundle` };
      pages.push(current);
    }
  }

  budgets(): { callTimeoutMs: number; deadlineMs: number } {
    return { callTimeoutMs: this.options.callTimeoutMs, deadlineMs: this.options.deadlineMs };
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.options.deadline, AbortSignal.timeout(this.options.callTimeoutMs)]);
  }

  private async call(run: () => Promise<unknown>): Promise<unknown> {
    if (this.options.deadline.aborted) throw new FhirFailure('deadline');
    this.requests++;
    try {
      return await run();
    } catch (err) {
      throw this.classify(err);
    }
  }

  private classify(err: unknown): FhirFailure {
    if (err instanceof FhirFailure) return err;
    if (this.options.deadline.aborted) return new FhirFailure('deadline');
    const e = err as { name?: unknown; response?: { status?: unknown; data?: unknown } };
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new FhirFailure('timeout');
    const status = e?.response?.status;
    if (typeof status === 'number') {
      if (status >= 400) return new FhirFailure('http', status);
      return new FhirFailure('malformed');
    }
    return new FhirFailure('network');
  }
}

export function isBundle(
  value: unknown,
): value is { resourceType: 'Bundle'; entry?: unknown; link?: unknown; type?: unknown } {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

/** The `next` link of a Bundle (R4 `next`; some servers still say `next` in upper case or use `Next`). */
export function nextLink(bundle: unknown): string | undefined {
  if (!isBundle(bundle) || !Array.isArray(bundle.link)) return undefined;
  for (const link of bundle.link as unknown[]) {
    if (typeof link !== 'object' || link === null) continue;
    const { relation, url } = link as { relation?: unknown; url?: unknown };
    if (typeof relation === 'string' && relation.toLowerCase() === 'next' && typeof url === 'string' && url.length > 0)
      return url;
  }
  return undefined;
}
