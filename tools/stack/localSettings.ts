import type { RulesConfigInput } from './types';

export const SIM_SUBSCRIPTION_ID = '11111111-1111-1111-1111-111111111111';
export const SIM_VAULT_RG = 'rg-backup';

export interface LocalVault {
  region: string;
  vaultId: string;
}

export function simVaults(subscriptionId = SIM_SUBSCRIPTION_ID): LocalVault[] {
  const vault = (name: string) =>
    `/subscriptions/${subscriptionId}/resourceGroups/${SIM_VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${name}`;
  return [
    { region: 'eastus', vaultId: vault('rsv-eastus') },
    { region: 'westeurope', vaultId: vault('rsv-westeurope') },
  ];
}

export interface LocalSettingsInput {
  storageConnectionString: string;
  armEndpoint: string;
  caCertPath: string;
  subscriptionIds: string[];
  vaults: LocalVault[];
  rules?: RulesConfigInput;
  staleAfter?: string;
  extra?: Record<string, string>;
}

/**
 * The app settings the local stack hands the runner: the same names the app reads in Azure
 * (docs/configuration.md), pointed at Azurite and the simulator.
 */
export function localAppSettings(input: LocalSettingsInput): Record<string, string> {
  const settings: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    AzureWebJobsStorage: input.storageConnectionString,
    AUTOPROTECT_SUBSCRIPTION_IDS: input.subscriptionIds.join(','),
    AUTOPROTECT_VAULTS: JSON.stringify(input.vaults),
    AUTOPROTECT_ARM_ENDPOINT: input.armEndpoint,
    AUTOPROTECT_ARM_CA_CERT: input.caCertPath,
    AUTOPROTECT_REPORT_SCHEDULE: '0 0 6 * * *',
    AUTOPROTECT_STALE_AFTER: input.staleAfter ?? 'PT24H',
    AUTOPROTECT_RETRY_BASE_SECONDS: '1',
    AUTOPROTECT_RETRY_MAX_SECONDS: '30',
    AUTOPROTECT_REENQUEUE_STALE: 'false',
  };
  if (input.rules) settings.AUTOPROTECT_RULES = JSON.stringify(input.rules);
  return { ...settings, ...input.extra };
}
