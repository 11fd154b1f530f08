import type { z } from 'zod';

/** One sentence per zod issue, prefixed with the setting and the path inside it: `NAME[0].tag: message`. */
export function zodIssues(name: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    return `${name}${path}: ${issue.message}`;
  });
}
