import { z } from 'zod';

import { zodIssues } from '../zodIssues';
import { defaultRules, type RulesConfig, type TagMatch } from './rulesConfig';
import { validateRules } from './validateRules';

const nonEmpty = z.string().trim().min(1);
const tagMatchSchema = z.strictObject({ tag: nonEmpty, values: z.array(nonEmpty).min(1).optional() });
const rulesSchema = z.strictObject({
  optOutTag: nonEmpty.optional(),
  include: z.array(tagMatchSchema).optional(),
  exclude: z.array(tagMatchSchema).optional(),
  resourceGroups: z
    .strictObject({ include: z.array(nonEmpty).optional(), exclude: z.array(nonEmpty).optional() })
    .optional(),
  policies: z
    .array(z.strictObject({ tag: nonEmpty, values: z.array(nonEmpty).min(1).optional(), policy: nonEmpty }))
    .optional(),
  defaultPolicy: nonEmpty.optional(),
});

/**
 * Rules from a parsed JSON value, merged over the defaults and validated. `problems` name the setting (`source`) and
 * the path. A value of the wrong shape gives the defaults; rules that parse but fail validation are returned as parsed
 * (config refuses to start on any problem either way).
 */
export function parseRules(value: unknown, source: string): { rules: RulesConfig; problems: string[] } {
  const parsed = rulesSchema.safeParse(value);
  if (!parsed.success) return { rules: defaultRules(), problems: zodIssues(source, parsed.error) };
  const given = parsed.data;
  const defaults = defaultRules();
  const rules: RulesConfig = {
    optOutTag: given.optOutTag ?? defaults.optOutTag,
    include: (given.include ?? defaults.include).map(cleanTagMatch),
    exclude: (given.exclude ?? defaults.exclude).map(cleanTagMatch),
    resourceGroups: {
      include: given.resourceGroups?.include ?? defaults.resourceGroups.include,
      exclude: given.resourceGroups?.exclude ?? defaults.resourceGroups.exclude,
    },
    policies: (given.policies ?? []).map((rule) => ({ ...cleanTagMatch(rule), policy: rule.policy })),
    defaultPolicy: given.defaultPolicy ?? defaults.defaultPolicy,
  };
  return { rules, problems: validateRules(rules).map((problem) => `${source}: ${problem}`) };
}

function cleanTagMatch(match: { tag: string; values?: string[] | undefined }): TagMatch {
  return match.values === undefined ? { tag: match.tag } : { tag: match.tag, values: [...match.values] };
}
