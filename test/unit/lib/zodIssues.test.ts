import { z } from 'zod';

import { zodIssues } from '../../../src/lib/zodIssues';

function issuesOf(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected the value to be refused');
  return zodIssues('SETTING', parsed.error);
}

describe('zodIssues', () => {
  it('writes array indexes in brackets and keys with dots after the setting name', () => {
    const schema = z.array(z.object({ tags: z.array(z.object({ name: z.string() })) }));
    const [issue] = issuesOf(schema, [{ tags: [{ name: 'a' }] }, { tags: [{ name: 'b' }, { name: 1 }] }]);
    expect(issue).toMatch(/^SETTING\[1\]\.tags\[1\]\.name: /);
  });

  it('writes an issue on the whole value right after the setting name', () => {
    expect(issuesOf(z.array(z.string()), 'x')[0]).toMatch(/^SETTING: /);
  });

  it('gives one sentence per issue, in order, with the schema’s message', () => {
    const schema = z.object({ a: z.string().min(1, 'must not be empty'), b: z.number() });
    const issues = issuesOf(schema, { a: '', b: 'x' });
    expect(issues).toHaveLength(2);
    expect(issues[0]).toBe('SETTING.a: must not be empty');
    expect(issues[1]).toMatch(/^SETTING\.b: /);
  });

  it('returns nothing for an error without issues', () => {
    expect(zodIssues('SETTING', new z.ZodError([]))).toEqual([]);
  });
});
