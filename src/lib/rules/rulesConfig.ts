/** The rules' own configuration (AUTOPROTECT_RULES): the rules define it, parse it and validate it. */

/** Tag names case-insensitive; values case-insensitive with '*' wildcards; no values = any value. */
export interface TagMatch {
  tag: string;
  values?: string[];
}

export interface RulesConfig {
  /** Default 'autoprotect:skip': present with any value but 'false' -> skipped. */
  optOutTag: string;
  /** Empty = every VM is included. */
  include: TagMatch[];
  /** Exclusion wins over inclusion. */
  exclude: TagMatch[];
  /** Glob patterns, case-insensitive; default include ['*']. */
  resourceGroups: { include: string[]; exclude: string[] };
  /** Ordered; first match wins. */
  policies: Array<TagMatch & { policy: string }>;
  /** Default 'DefaultPolicy'. */
  defaultPolicy: string;
}

/** Fresh, mutable default rules (each call a new object). */
export function defaultRules(): RulesConfig {
  return {
    optOutTag: 'autoprotect:skip',
    include: [],
    exclude: [],
    resourceGroups: { include: ['*'], exclude: [] },
    policies: [],
    defaultPolicy: 'DefaultPolicy',
  };
}
