/**
 * Case-insensitive glob patterns for resource groups and tag values: `*` is any run of characters, `?` one character.
 */
export function globToRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

export function matchesGlob(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value);
}

/** The first pattern that matches `value`, or undefined. */
export function firstMatchingGlob(patterns: readonly string[], value: string): string | undefined {
  return patterns.find((pattern) => matchesGlob(pattern, value));
}
