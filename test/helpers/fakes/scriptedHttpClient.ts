import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * An HttpClient for SDK clients that answers from a script instead of the network: each route is a method and a
 * predicate on the decoded URL. Requests are recorded for assertions.
 */
export class ScriptedHttpClient implements HttpClient {
  readonly requests: Array<{ method: string; url: URL; body: unknown }> = [];
  private readonly routes: Array<{
    method: string;
    matches: (url: URL) => boolean;
    respond: (url: URL) => ScriptedResponse;
  }> = [];

  on(
    method: string,
    matches: (url: URL) => boolean,
    respond: ScriptedResponse | ((url: URL) => ScriptedResponse),
  ): this {
    this.routes.push({ method, matches, respond: typeof respond === 'function' ? respond : () => respond });
    return this;
  }

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const url = new URL(request.url);
    const body = typeof request.body === 'string' ? (JSON.parse(request.body) as unknown) : undefined;
    this.requests.push({ method: request.method, url, body });
    const route = this.routes.find((candidate) => candidate.method === request.method && candidate.matches(url));
    const scripted = route
      ? route.respond(url)
      : { status: 501, body: { error: { code: 'NotScripted', message: `${request.method} ${url.pathname}` } } };
    return {
      request,
      status: scripted.status,
      headers: createHttpHeaders({ 'content-type': 'application/json', ...(scripted.headers ?? {}) }),
      bodyAsText: scripted.body === undefined ? '' : JSON.stringify(scripted.body),
    };
  }
}

/** The decoded path of a request, for matching (`%3B` -> `;`). */
export function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname);
}
