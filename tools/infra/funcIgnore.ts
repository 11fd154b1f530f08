/**
 * Whether a file path (relative to the project root, '/'-separated) is excluded by .funcignore patterns, with
 * gitignore semantics for the subset the file uses: a pattern with a leading or middle '/' is anchored at the
 * root, any other pattern matches a path component at any depth; a trailing '/' matches directories only (and so
 * everything below them); `*` matches within one component. Negations (`!`) are not supported.
 */
export function isIgnoredByFuncignore(patterns: readonly string[], path: string): boolean {
  return patterns.some((pattern) => patternMatches(pattern, path));
}

export function funcignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function patternMatches(pattern: string, path: string): boolean {
  const directoryOnly = pattern.endsWith('/');
  const body = pattern.replace(/\/$/, '');
  const anchored = body.includes('/');
  const regex = globToRegExp(body.replace(/^\//, ''));
  const components = path.split('/');
  // A directory pattern may match any component but the last (the file itself).
  const lastCandidate = directoryOnly ? components.length - 1 : components.length;
  for (let end = 1; end <= lastCandidate; end += 1) {
    const candidate = anchored ? components.slice(0, end).join('/') : (components[end - 1] ?? '');
    if (regex.test(candidate)) return true;
  }
  return false;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
}
