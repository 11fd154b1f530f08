/**
 * The RBAC action an ARM request needs, derived from its method and path alone (ARM's convention): the provider
 * namespace, then every resource type segment; GET = read, PUT = write, DELETE = delete, POST = `<last
 * segment>/action`.
 */
export interface RequiredAction {
  scope: 'vault' | 'watchedSubscription';
  action: string;
}

export function requiredActionOf(method: string, path: string): RequiredAction {
  const segments = (path.split('?')[0] ?? '').split('/').filter((segment) => segment.length > 0);
  const providers = segments.findIndex((segment) => segment.toLowerCase() === 'providers');
  const namespace = segments[providers + 1];
  if (providers < 0 || namespace === undefined) throw new Error(`not an ARM provider path: ${path}`);
  const types = segments.slice(providers + 2).filter((_, index) => index % 2 === 0);
  const verb = { GET: 'read', PUT: 'write', DELETE: 'delete', POST: 'action' }[method.toUpperCase()];
  if (verb === undefined) throw new Error(`unexpected method ${method}`);
  return {
    scope: types[0]?.toLowerCase() === 'vaults' ? 'vault' : 'watchedSubscription',
    action: `${namespace}/${types.join('/')}/${verb}`,
  };
}

/**
 * `ProtectedItems_CreateOrUpdate` (REST operationId) -> `protectedItems.createOrUpdate` (SDK call, as
 * infra/permissions.json names it).
 */
export function sdkOperationOf(operationId: string): string {
  const [group = '', method = ''] = operationId.split('_');
  const lowerFirst = (text: string) => `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  return `${lowerFirst(group)}.${lowerFirst(method)}`;
}
