import type { RulesConfig, TagMatch } from './rulesConfig';

/**
 * Problems in a RulesConfig, one sentence each (empty when valid). config.ts may call this at start-up so
 * invalid rules fail the app with every problem listed.
 */
export function validateRules(rules: RulesConfig): string[] {
  const problems: string[] = [];
  if (rules.optOutTag.trim() === '') problems.push('rules.optOutTag must not be empty');
  if (rules.defaultPolicy.trim() === '') problems.push('rules.defaultPolicy must not be empty');
  checkTagMatches('rules.include', rules.include, problems);
  checkTagMatches('rules.exclude', rules.exclude, problems);
  checkTagMatches('rules.policies', rules.policies, problems);
  rules.policies.forEach((rule, index) => {
    if (rule.policy.trim() === '') problems.push(`rules.policies[${index}].policy must not be empty`);
  });
  for (const [name, patterns] of [
    ['include', rules.resourceGroups.include],
    ['exclude', rules.resourceGroups.exclude],
  ] as const) {
    patterns.forEach((pattern, index) => {
      if (pattern.trim() === '') problems.push(`rules.resourceGroups.${name}[${index}] must not be empty`);
    });
  }
  if (rules.resourceGroups.include.length === 0)
    problems.push("rules.resourceGroups.include is empty: no VM would be protected (use ['*'])");
  return problems;
}

function checkTagMatches(path: string, matches: readonly TagMatch[], problems: string[]): void {
  matches.forEach((match, index) => {
    if (match.tag.trim() === '') problems.push(`${path}[${index}].tag must not be empty`);
    match.values?.forEach((value, valueIndex) => {
      if (value === '') problems.push(`${path}[${index}].values[${valueIndex}] must not be empty`);
    });
  });
}
