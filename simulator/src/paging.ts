import { armErrors } from './errors';
import { type ArmRequest, queryParam } from './http';

/** The service's fixed page size for Recovery Services lists. */
export const PAGE_SIZE = 200;

/**
 * One page of `items` as `{value, nextLink?}`, each rendered with `render` (only the page's items are rendered). The
 * nextLink is absolute, keeps every query parameter of the request (api-version, $filter) and sets `$skipToken` to an
 * opaque offset.
 */
export function pageOf<T>(
  req: ArmRequest,
  items: readonly T[],
  render: (item: T) => unknown,
  pageSize = PAGE_SIZE,
): { value: unknown[]; nextLink?: string } {
  const token = queryParam(req.url, '$skipToken');
  const offset = token === undefined ? 0 : decodeSkipToken(token);
  const value = items.slice(offset, offset + pageSize).map(render);
  if (offset + pageSize >= items.length) return { value };
  const next = new URL(req.url.pathname + req.url.search, req.baseUrl);
  for (const key of [...next.searchParams.keys()])
    if (key.toLowerCase() === '$skiptoken') next.searchParams.delete(key);
  next.searchParams.set('$skipToken', encodeSkipToken(offset + pageSize));
  return { value, nextLink: next.toString().replace(/\+/g, '%20') };
}

function encodeSkipToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeSkipToken(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1]) throw armErrors.invalidInput(`The $skipToken '${token}' is invalid.`);
  return Number(match[1]);
}
