import type { SimContext } from '../context';
import { armErrors } from '../errors';
import { type ArmRequest, type ArmResponse, ok, param } from '../http';
import { filterValue, parseFilter, sameText } from '../odataFilter';
import { pageOf } from '../paging';
import type { PolicyRecord } from '../store/model';
import { policyView } from '../views';
import { requireVault, type VaultScope } from './scope';

function countProtected(ctx: SimContext, scope: VaultScope, policy: PolicyRecord): number {
  return ctx.store
    .itemsOf(scope.vaultKey)
    .filter(
      ([, item]) => item.deletingUntil === undefined && item.policyName?.toLowerCase() === policy.name.toLowerCase(),
    ).length;
}

/** GET {V}/backupPolicies/{policy}. */
export function getPolicy(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const name = param(req, 'policyName');
  const policy = ctx.store.policy(scope.vaultKey, name);
  if (!policy) throw armErrors.policyNotFound(name);
  return ok(policyView(scope.vault, policy, countProtected(ctx, scope, policy)));
}

/** GET {V}/backupPolicies. */
export function listPolicies(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const filter = parseFilter(req, ['backupManagementType', 'workloadType']);
  const policies = ctx.store
    .policiesOf(scope.vaultKey)
    .filter(() => sameText(filterValue(filter, 'backupManagementType'), 'AzureIaasVM'))
    .filter(() => sameText(filterValue(filter, 'workloadType'), 'VM'));
  return ok(pageOf(req, policies, (p) => policyView(scope.vault, p, countProtected(ctx, scope, p))));
}
