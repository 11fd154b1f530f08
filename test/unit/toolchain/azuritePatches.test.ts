import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import {
  AZURITE_REWRITES,
  LAZY_TELEMETRY,
  rewriteAzuriteSource,
  TABLE_BODY_UTF8,
} from '../../../tools/azurite/azuritePatches';

const azuriteSrc = join(dirname(require.resolve('azurite/package.json')), 'dist', 'src');
const filesOf = {
  [TABLE_BODY_UTF8.name]: join(azuriteSrc, 'table', 'generated', 'utils', 'serializer.js'),
  [LAZY_TELEMETRY.name]: join(azuriteSrc, 'common', 'Telemetry.js'),
};

describe("the rewrites of Azurite's code (tools/azurite/azuritePatches.ts)", () => {
  it.each(AZURITE_REWRITES.map((rewrite) => [rewrite.name, rewrite] as const))(
    '%s: still has something to rewrite in the installed Azurite (when this fails, review or remove the rewrite)',
    (name, rewrite) => {
      const file = filesOf[name]!;
      expect(rewrite.file.test(file)).toBe(true);
      const source = readFileSync(file, 'utf8');
      expect(source).toContain(rewrite.from);
      const rewritten = rewriteAzuriteSource(file, source);
      expect(rewritten).not.toContain(rewrite.from);
      expect(rewritten).toContain(rewrite.to);
    },
  );

  it('leaves other files, and files without the expression, unchanged', () => {
    expect(rewriteAzuriteSource('/x/node_modules/other/serializer.js', TABLE_BODY_UTF8.from)).toBe(
      TABLE_BODY_UTF8.from,
    );
    expect(rewriteAzuriteSource(filesOf[TABLE_BODY_UTF8.name]!, 'const joined = Buffer.concat(segments);')).toBe(
      'const joined = Buffer.concat(segments);',
    );
  });

  describe('table request bodies decoded as bytes', () => {
    /** The join as a function of the chunks, the way Azurite's readRequestIntoText runs it. */
    const joinWith = (expression: string) =>
      // The rewritten source text is the thing under test: it has to be run as code.
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      new Function('segments', `${expression}\nreturn joined;`) as (segments: unknown[]) => string;
    const text = 'ab€cd';
    const bytes = Buffer.from(text, 'utf8');
    const split = [bytes.subarray(0, 3), bytes.subarray(3)]; // '€' is bytes 2-4: cut after its first byte

    it("Azurite's join turns a character split between two chunks into U+FFFD; the rewritten one keeps it", () => {
      expect(joinWith(TABLE_BODY_UTF8.from)(split)).toContain('\uFFFD');
      expect(joinWith(TABLE_BODY_UTF8.to)(split)).toBe(text);
      expect(joinWith(TABLE_BODY_UTF8.to)(['ab', Buffer.from('€cd', 'utf8')])).toBe(text); // string chunks too
    });
  });

  describe('applicationinsights loaded on first use', () => {
    function telemetryClass(statement: string) {
      const loads: string[] = [];
      const fakeRequire = (id: string) => {
        loads.push(id);
        return { start: () => 'started' };
      };
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const AzuriteTelemetryClient = new Function(
        'require',
        `class AzuriteTelemetryClient {}\n${statement}\nreturn AzuriteTelemetryClient;`,
      )(fakeRequire) as { appInsights: { start(): string } };
      return { AzuriteTelemetryClient, loads };
    }

    it('Azurite loads it with the class; rewritten, on the first use of the property, once', () => {
      expect(telemetryClass(LAZY_TELEMETRY.from).loads).toEqual(['applicationinsights']);
      const { AzuriteTelemetryClient, loads } = telemetryClass(LAZY_TELEMETRY.to);
      expect(loads).toEqual([]);
      expect(AzuriteTelemetryClient.appInsights.start()).toBe('started');
      expect(AzuriteTelemetryClient.appInsights.start()).toBe('started');
      expect(loads).toEqual(['applicationinsights']);
    });
  });
});
