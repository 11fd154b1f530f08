import { z } from 'zod';

import { parseRules } from '../rules/parseRules';
import { defaultRules, type RulesConfig } from '../rules/rulesConfig';
import { zodIssues } from '../zodIssues';
import { GUID_PATTERN } from './formats';
import type { VaultRoute } from './types';

/** The JSON-valued settings: AUTOPROTECT_VAULTS (validated here) and AUTOPROTECT_RULES (by the rules' own parser). */

const VAULT_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.RecoveryServices\/vaults\/([^/]+)$/i;

const nonEmpty = z.string().trim().min(1);
const vaultSchema = z.strictObject({
  region: nonEmpty,
  vaultId: nonEmpty,
  subscriptionIds: z.array(z.string().regex(GUID_PATTERN, 'must be a subscription GUID')).min(1).optional(),
  enhancedPolicy: nonEmpty.optional(),
});
const vaultsSchema = z.array(vaultSchema).min(1, 'must list at least one vault');

export function readVaults(text: string | undefined, watched: string[], problems: string[]): VaultRoute[] {
  const value = parseJsonSetting('AUTOPROTECT_VAULTS', text, problems, true);
  if (value === undefined) return [];
  const parsed = vaultsSchema.safeParse(value);
  if (!parsed.success) {
    problems.push(...zodIssues('AUTOPROTECT_VAULTS', parsed.error));
    return [];
  }
  const routes: VaultRoute[] = [];
  parsed.data.forEach((entry, index) => {
    const where = `AUTOPROTECT_VAULTS[${index}]`;
    const match = VAULT_ID.exec(entry.vaultId);
    if (!match || !GUID_PATTERN.test(match[1] ?? '')) {
      problems.push(
        `${where}.vaultId must be /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults/{name}, got '${entry.vaultId}'`,
      );
      return;
    }
    const [, vaultSubscription = '', vaultResourceGroup = '', vaultName = ''] = match;
    const subscriptionIds = entry.subscriptionIds?.map((id) => id.toLowerCase());
    const unwatched = (subscriptionIds ?? []).filter((id) => !watched.includes(id));
    if (unwatched.length > 0)
      problems.push(`${where}.subscriptionIds has subscriptions that are not watched: ${unwatched.join(', ')}`);
    const vaultSubscriptionId = vaultSubscription.toLowerCase();
    routes.push({
      region: entry.region.replace(/\s+/g, '').toLowerCase(),
      vaultId: `/subscriptions/${vaultSubscriptionId}/resourceGroups/${vaultResourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vaultName}`,
      vaultName,
      vaultResourceGroup,
      vaultSubscriptionId,
      ...(subscriptionIds === undefined ? {} : { subscriptionIds }),
      ...(entry.enhancedPolicy === undefined ? {} : { enhancedPolicy: entry.enhancedPolicy }),
    });
  });
  problems.push(...overlappingRoutes(routes, watched));
  return routes;
}

/** Two vaults may not serve the same (region, subscription): the choice would be ambiguous. */
function overlappingRoutes(routes: VaultRoute[], watched: string[]): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const route of routes) {
    for (const subscription of route.subscriptionIds ?? watched) {
      const key = `${route.region}|${subscription}`;
      const previous = owner.get(key);
      if (previous !== undefined && previous !== route.vaultId) {
        problems.push(
          `AUTOPROTECT_VAULTS: region '${route.region}' for subscription ${subscription} is served by both ${previous} and ${route.vaultId}`,
        );
      }
      owner.set(key, route.vaultId);
    }
  }
  return problems;
}

export function readRules(text: string | undefined, problems: string[]): RulesConfig {
  const value = parseJsonSetting('AUTOPROTECT_RULES', text, problems, false);
  if (value === undefined) return defaultRules();
  const parsed = parseRules(value, 'AUTOPROTECT_RULES');
  problems.push(...parsed.problems);
  return parsed.rules;
}

function parseJsonSetting(name: string, text: string | undefined, problems: string[], required: boolean): unknown {
  if (text === undefined || text.trim() === '') {
    if (required) problems.push(`${name} is required: a JSON value (see docs/configuration.md)`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.push(`${name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
