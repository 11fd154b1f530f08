import type { VaultRoute } from '../config/types';

export type SkipReason =
  'opted-out' | 'resource-group-excluded' | 'resource-group-not-included' | 'excluded-by-tag' | 'not-included';
export type RuleFailureReason = 'no-vault-for-region';

/** What the rules say about one VM; every branch names the rule that made the decision. */
export type Decision =
  | { action: 'protect'; vault: VaultRoute; policyName: string; rule: string; vaultRule: string; policyRule: string }
  | { action: 'skip'; reason: SkipReason; rule: string }
  | { action: 'fail'; reason: RuleFailureReason; rule: string };
