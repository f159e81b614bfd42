/**
 * Calendar arithmetic on FHIR date and dateTime strings, by their calendar date (the first ten
 * characters). Rules compare whole days; time zones of clinical records are not reliable enough for
 * more, and reading the date as written keeps results the same on every machine.
 */

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;

/** Day number (days since 1970-01-01) of a FHIR date/dateTime, or undefined if it is not one. */
export function dayNumber(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : 1;
  const day = m[3] ? Number(m[3]) : 1;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const t = Date.UTC(year, month - 1, day);
  return Number.isFinite(t) ? Math.floor(t / 86_400_000) : undefined;
}

/** Whole days from `from` to `to` (positive when `to` is later), or null when either is missing. */
export function daysBetween(from: unknown, to: unknown): number | null {
  const a = dayNumber(from);
  const b = dayNumber(to);
  return a === undefined || b === undefined ? null : b - a;
}

/** Completed years between a birth date and `asOf` (the youngest possible age for a partial date). */
export function ageInYears(birthDate: unknown, asOf: string): number | null {
  if (typeof birthDate !== 'string' || !DATE.test(birthDate) || birthDate.length < 4) return null;
  // A partial birth date (year, or year and month) gives the youngest possible age: a minor must not pass.
  const [by, bm = 12, bd = 31] = birthDate.slice(0, 10).split('-').map(Number);
  const [ay, am = 1, ad = 1] = asOf.slice(0, 10).split('-').map(Number);
  if (by === undefined || ay === undefined) return null;
  let age = ay - by;
  if (am < bm || (am === bm && ad < bd)) age -= 1;
  return age;
}

/** The calendar date part (YYYY-MM-DD or shorter) of a FHIR date/dateTime. */
export function datePart(value: unknown): string | null {
  return typeof value === 'string' && DATE.test(value) ? value.slice(0, 10) : null;
}

/** The earliest of several FHIR dates, by calendar day. */
export function earliest(values: Iterable<unknown>): string | null {
  let best: string | null = null;
  let bestDay = Infinity;
  for (const v of values) {
    const d = dayNumber(v);
    if (d !== undefined && d < bestDay) {
      bestDay = d;
      best = datePart(v);
    }
  }
  return best;
}

export function latest(values: Iterable<unknown>): string | null {
  let best: string | null = null;
  let bestDay = -Infinity;
  for (const v of values) {
    const d = dayNumber(v);
    if (d !== undefined && d > bestDay) {
      bestDay = d;
      best = datePart(v);
    }
  }
  return best;
}
