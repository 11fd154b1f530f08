import { armErrors } from './errors';
import { type ArmRequest, queryParam } from './http';

/** One `key eq 'value'` clause of a Recovery Services `$filter`. */
export interface FilterClause {
  key: string;
  value: string;
}

const CLAUSE = /^\s*([A-Za-z]+)\s+eq\s+'([^']*)'\s*$/i;

/**
 * Parses the OData-like `$filter` the service accepts: `key eq 'value'` clauses joined with ` and `.
 * Keys outside `allowedKeys` (compared case-insensitively) are refused with 400 BMSUserErrorInvalidInput.
 */
export function parseFilter(req: ArmRequest, allowedKeys: readonly string[]): FilterClause[] {
  const raw = queryParam(req.url, '$filter');
  if (raw === undefined || raw.trim() === '') return [];
  const allowed = new Map(allowedKeys.map((k) => [k.toLowerCase(), k]));
  return raw.split(/\s+and\s+/i).map((part) => {
    const match = CLAUSE.exec(part);
    if (!match) throw armErrors.invalidInput(`The $filter clause '${part.trim()}' is not of the form key eq 'value'.`);
    const key = allowed.get((match[1] ?? '').toLowerCase());
    if (!key)
      throw armErrors.invalidInput(
        `The $filter key '${match[1]}' is not supported here; supported: ${allowedKeys.join(', ')}.`,
      );
    return { key, value: match[2] ?? '' };
  });
}

export function filterValue(clauses: FilterClause[], key: string): string | undefined {
  return clauses.find((c) => c.key === key)?.value;
}

export function sameText(a: string | undefined, b: string): boolean {
  return a === undefined || a.toLowerCase() === b.toLowerCase();
}

/** Job filter dates: `yyyy-MM-dd hh:mm:ss tt` (12-hour clock, AM/PM, UTC); ISO-8601 is also accepted. */
export function parseJobFilterDate(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/i.exec(text.trim());
  if (match) {
    const [, y, mo, d, h, mi, s, ampm] = match;
    let hours = Number(h) % 12;
    if ((ampm ?? '').toUpperCase() === 'PM') hours += 12;
    return Date.UTC(Number(y), Number(mo) - 1, Number(d), hours, Number(mi), Number(s));
  }
  const iso = Date.parse(text);
  if (Number.isNaN(iso))
    throw armErrors.invalidInput(`The date '${text}' in $filter is not in the format 'yyyy-MM-dd hh:mm:ss tt'.`);
  return iso;
}
