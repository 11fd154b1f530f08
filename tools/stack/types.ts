/** The JSON shape of AUTOPROTECT_RULES (see docs/rules.md). */
export interface RulesConfigInput {
  optOutTag?: string;
  include?: Array<{ tag: string; values?: string[] }>;
  exclude?: Array<{ tag: string; values?: string[] }>;
  resourceGroups?: { include?: string[]; exclude?: string[] };
  policies?: Array<{ tag: string; values?: string[]; policy: string }>;
  defaultPolicy?: string;
}

/** What `.local/stack.json` holds, so other tools and scripts can find the running stack. */
export interface StackInfo {
  armEndpoint: string;
  simControlUrl: string;
  hostUrl: string;
  eventGridWebhookUrl: string;
  masterKey: string;
  caCertPath: string;
  storageConnectionString: string;
  subscriptionIds: string[];
  vaults: Array<{ region: string; vaultId: string }>;
  /** The app settings the runner was started with (local values only: Azurite's public dev key, the simulator). */
  appSettings: Record<string, string>;
  pids: { azurite?: number; runner?: number; stack: number };
  startedAt: string;
}
