import type { SimContext } from './context';
import type { ArmRequest, ArmResponse } from './http';

/** Which ARM token bucket a request spends (PUT/PATCH/POST = write, GET = read, DELETE = delete). */
export type RequestCategory = 'read' | 'write' | 'delete';

export interface Route {
  method: string;
  /** Path template; `{name}` segments are parameters, other segments match case-insensitively. */
  template: string;
  /** The REST operationId of the swagger spec, e.g. ProtectedItems_CreateOrUpdate. */
  operationId: string;
  handle(req: ArmRequest, ctx: SimContext): ArmResponse | Promise<ArmResponse>;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export function categoryOf(method: string): RequestCategory {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'DELETE') return 'delete';
  return 'write';
}

/** Splits a raw path into percent-decoded segments (`%3B` becomes `;`; a literal `;` stays as it is). */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch (_error) {
        return s;
      }
    });
}

export class Router {
  private readonly compiled: Array<{ route: Route; segments: string[] }>;

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.template.split('/').filter((s) => s.length > 0) }));
  }

  /** The matching route, or `methodMismatch` when the path exists for another method only. */
  match(method: string, segments: string[]): RouteMatch | 'methodMismatch' | undefined {
    let pathKnown = false;
    for (const { route, segments: template } of this.compiled) {
      const params = matchSegments(template, segments);
      if (!params) continue;
      if (route.method === method) return { route, params };
      pathKnown = true;
    }
    return pathKnown ? 'methodMismatch' : undefined;
  }
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i += 1) {
    const t = template[i] ?? '';
    const a = actual[i] ?? '';
    if (t.startsWith('{') && t.endsWith('}')) params[t.slice(1, -1)] = a;
    else if (t.toLowerCase() !== a.toLowerCase()) return undefined;
  }
  return params;
}
