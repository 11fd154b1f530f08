import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BYTE_JOIN, decodeTableBodiesAsBytes, SPLITTING_JOIN, TABLE_SERIALIZER } from '../../../tools/azurite/tableBodyUtf8';

const serializerPath = join(require.resolve('azurite/package.json'), '..', 'dist', 'src', 'table', 'generated', 'utils', 'serializer.js');

/** The join expression as a function of the chunks, the way Azurite's readRequestIntoText runs it. */
function joinWith(expression: string): (segments: unknown[]) => string {
  return new Function('segments', `${expression}\nreturn joined;`) as (segments: unknown[]) => string;
}

describe('the Azurite table-body UTF-8 preload (tools/azurite/tableBodyUtf8.ts)', () => {
  const text = 'ab€cd';
  const bytes = Buffer.from(text, 'utf8');
  const split = [bytes.subarray(0, 3), bytes.subarray(3)]; // '€' is bytes 2-4: cut after its first byte

  it('Azurite\'s own join turns a character split between two chunks into U+FFFD; the rewritten one keeps it', () => {
    expect(joinWith(SPLITTING_JOIN)(split)).not.toBe(text);
    expect(joinWith(BYTE_JOIN)(split)).toBe(text);
    expect(joinWith(BYTE_JOIN)(['ab', Buffer.from('€cd', 'utf8')])).toBe(text); // string chunks too
  });

  it('is still needed: the installed Azurite joins table request-body chunks as strings (when this fails, check whether the preload can go)', () => {
    expect(TABLE_SERIALIZER.test(serializerPath)).toBe(true);
    const source = readFileSync(serializerPath, 'utf8');
    expect(source).toContain(SPLITTING_JOIN);
    const fixed = decodeTableBodiesAsBytes(source);
    expect(fixed).not.toContain(SPLITTING_JOIN);
    expect(fixed).toContain(BYTE_JOIN);
  });

  it('leaves any other source unchanged', () => {
    expect(decodeTableBodiesAsBytes('const joined = Buffer.concat(segments).toString("utf8");')).toBe('const joined = Buffer.concat(segments).toString("utf8");');
  });
});
