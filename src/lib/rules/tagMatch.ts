import { matchesGlob } from './globPattern';
import type { TagMatch } from './rulesConfig';

export type VmTags = Readonly<Record<string, string>>;

/** The value of a tag, looking its name up case-insensitively (ARM tag names are case-insensitive). */
export function findTagValue(tags: VmTags, tagName: string): string | undefined {
  const wanted = tagName.toLowerCase();
  const entry = Object.entries(tags).find(([name]) => name.toLowerCase() === wanted);
  return entry?.[1];
}

/**
 * True when the VM carries the tag and, if values are given, its value matches one of them (case-insensitive, `*`
 * wildcards).
 */
export function matchesTag(tags: VmTags, match: TagMatch): boolean {
  const value = findTagValue(tags, match.tag);
  if (value === undefined) return false;
  if (!match.values || match.values.length === 0) return true;
  return match.values.some((pattern) => matchesGlob(pattern, value));
}

/** Index of the first matching rule, or -1. */
export function firstMatchingTagRule<T extends TagMatch>(tags: VmTags, rules: readonly T[]): number {
  return rules.findIndex((rule) => matchesTag(tags, rule));
}

/** Human-readable form of a tag rule for decisions and logs, e.g. `env=dev|test` or `backup` (any value). */
export function describeTagMatch(match: TagMatch): string {
  return match.values && match.values.length > 0 ? `${match.tag}=${match.values.join('|')}` : match.tag;
}
