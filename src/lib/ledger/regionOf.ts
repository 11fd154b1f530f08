import type { VaultRoute } from '../config';
import type { LedgerEntry } from './ledgerEntry';

/**
 * The VM's region as its ledger row tells it: from the deciding rule (`vault-route:eastus->rsv-eastus`,
 * `vault-route:none-for-westus2/<sub>`), else from the configured route of the row's vault; undefined if neither says.
 */
export function regionOf(
  entry: Pick<LedgerEntry, 'rule' | 'vaultId'>,
  vaults: readonly VaultRoute[],
): string | undefined {
  const fromRule = /vault-route:(?:none-for-)?([a-z0-9]+)(?:->|\/)/i.exec(entry.rule ?? '');
  if (fromRule?.[1]) return fromRule[1].toLowerCase();
  const vaultId = entry.vaultId?.toLowerCase();
  return vaults.find((vault) => vault.vaultId.toLowerCase() === vaultId)?.region;
}
