import { SettingReader } from '../../../../src/lib/config/settingReader';

const SUB = '11111111-1111-1111-1111-111111111111';
const SUB2 = '22222222-2222-2222-2222-222222222222';

/** A reader over the given settings, and the problems it appends to. */
function reader(env: Record<string, string | undefined> = {}) {
  const problems: string[] = [];
  return { read: new SettingReader(env, problems), problems };
}

describe('SettingReader', () => {
  describe('raw', () => {
    it('trims values and treats blank ones as absent', () => {
      const { read, problems } = reader({ A: '  x  ', B: '   ', C: '' });
      expect([read.raw('A'), read.raw('B'), read.raw('C'), read.raw('D')]).toEqual([
        'x',
        undefined,
        undefined,
        undefined,
      ]);
      expect(problems).toEqual([]);
    });
  });

  describe('requiredString', () => {
    it('returns the value, or an empty string and a problem naming the setting', () => {
      const { read, problems } = reader({ PRESENT: 'value', BLANK: ' ' });
      expect(read.requiredString('PRESENT')).toBe('value');
      expect(read.requiredString('BLANK')).toBe('');
      expect(read.requiredString('MISSING')).toBe('');
      expect(problems).toEqual(['BLANK is required', 'MISSING is required']);
    });
  });

  describe('subscriptionList', () => {
    it('splits on commas, trims, lower-cases and de-duplicates', () => {
      const { read, problems } = reader({ SUBS: ` ${SUB.toUpperCase()} ,${SUB2},, ${SUB} ` });
      expect(read.subscriptionList('SUBS')).toEqual([SUB, SUB2]);
      expect(problems).toEqual([]);
    });

    it('keeps the valid ids and names every invalid one', () => {
      const { read, problems } = reader({ SUBS: `${SUB},nope,1234` });
      expect(read.subscriptionList('SUBS')).toEqual([SUB]);
      expect(problems).toEqual(['SUBS has values that are not subscription GUIDs: nope, 1234']);
    });

    it('says when the setting is missing', () => {
      const { read, problems } = reader();
      expect(read.subscriptionList('SUBS')).toEqual([]);
      expect(problems).toEqual(['SUBS is required: a comma-separated list of subscription ids to watch']);
    });

    it('says when the list holds only separators', () => {
      const { read, problems } = reader({ SUBS: ' , ,' });
      expect(read.subscriptionList('SUBS')).toEqual([]);
      expect(problems).toEqual(['SUBS lists no subscription']);
    });
  });

  describe('number', () => {
    it('returns the fallback when absent, without a problem', () => {
      const { read, problems } = reader();
      expect(read.number('N', 2.5, 0, 10)).toBe(2.5);
      expect(problems).toEqual([]);
    });

    it('reads decimals and negatives within the bounds, bounds included', () => {
      const { read, problems } = reader({ A: '0.25', B: '-3', C: '10', D: ' 4 ' });
      expect([read.number('A', 1, 0, 10), read.number('B', 1, -5, 0), read.number('C', 1, 0, 10)]).toEqual([
        0.25, -3, 10,
      ]);
      expect(read.number('D', 1, 0, 10)).toBe(4);
      expect(problems).toEqual([]);
    });

    it.each(['abc', '1e3', '0x10', 'Infinity', '.5', '5.', '1,5', '+1'])(
      "refuses '%s' as a number and returns the fallback",
      (text) => {
        const { read, problems } = reader({ N: text });
        expect(read.number('N', 7, -1e9, 1e9)).toBe(7);
        expect(problems).toEqual([`N must be a number, got '${text}'`]);
      },
    );

    it('refuses a value out of bounds, naming them', () => {
      const { read, problems } = reader({ LOW: '-0.5', HIGH: '11' });
      expect(read.number('LOW', 1, 0, 10)).toBe(1);
      expect(read.number('HIGH', 1, 0, 10)).toBe(1);
      expect(problems).toEqual(['LOW must be between 0 and 10, got -0.5', 'HIGH must be between 0 and 10, got 11']);
    });
  });

  describe('integer', () => {
    it('reads whole numbers', () => {
      const { read, problems } = reader({ N: '42' });
      expect(read.integer('N', 1, 1, 100)).toBe(42);
      expect(problems).toEqual([]);
    });

    it('refuses a fraction with one problem, returning the fallback', () => {
      const { read, problems } = reader({ N: '1.5' });
      expect(read.integer('N', 8, 1, 100)).toBe(8);
      expect(problems).toEqual(["N must be a whole number, got '1.5'"]);
    });

    it('reports a value that is not a number once, not also as not whole', () => {
      const { read, problems } = reader({ N: 'ten' });
      expect(read.integer('N', 8, 1, 100)).toBe(8);
      expect(problems).toEqual(["N must be a number, got 'ten'"]);
    });

    it('checks the bounds', () => {
      const { read, problems } = reader({ N: '0' });
      expect(read.integer('N', 8, 1, 100)).toBe(8);
      expect(problems).toEqual(['N must be between 1 and 100, got 0']);
    });
  });

  describe('boolean', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['Yes', true],
      ['on', true],
      ['false', false],
      ['0', false],
      ['NO', false],
      ['off', false],
    ])("reads '%s' as %p", (text, expected) => {
      const { read, problems } = reader({ B: text });
      expect(read.boolean('B', !expected)).toBe(expected);
      expect(problems).toEqual([]);
    });

    it('returns the fallback when absent', () => {
      expect(reader().read.boolean('B', true)).toBe(true);
    });

    it('refuses anything else, returning the fallback', () => {
      const { read, problems } = reader({ B: 'Maybe' });
      expect(read.boolean('B', false)).toBe(false);
      expect(problems).toEqual(["B must be true or false, got 'maybe'"]);
    });
  });

  describe('matching', () => {
    const tableName = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

    it('returns a matching value, or the fallback when absent', () => {
      const { read, problems } = reader({ T: 'ledger1' });
      expect(read.matching('T', 'fallback', tableName, 'a table name')).toBe('ledger1');
      expect(read.matching('ABSENT', 'fallback', tableName, 'a table name')).toBe('fallback');
      expect(problems).toEqual([]);
    });

    it('refuses a value that does not match, with the description', () => {
      const { read, problems } = reader({ T: 'bad-name' });
      expect(read.matching('T', 'fallback', tableName, 'a table name (letters and digits)')).toBe('fallback');
      expect(problems).toEqual(["T must be a table name (letters and digits), got 'bad-name'"]);
    });
  });

  describe('optionalUrl', () => {
    it('returns undefined when absent and strips trailing slashes', () => {
      const { read, problems } = reader({ U: 'https://management.example//' });
      expect(read.optionalUrl('ABSENT')).toBeUndefined();
      expect(read.optionalUrl('U')).toBe('https://management.example');
      expect(problems).toEqual([]);
    });

    it('allows http only towards loopback', () => {
      const { read, problems } = reader({ LOCAL: 'http://127.0.0.1:8443/', REMOTE: 'http://topic.example' });
      expect(read.optionalUrl('LOCAL')).toBe('http://127.0.0.1:8443');
      expect(read.optionalUrl('REMOTE')).toBeUndefined();
      expect(problems).toEqual([
        "REMOTE must be an https URL (http only for 127.0.0.1/localhost), got 'http://topic.example'",
      ]);
    });

    it('refuses relative URLs and credentials in the URL', () => {
      const { read, problems } = reader({ REL: '/api/events', CRED: 'https://user:secret@topic.example' });
      expect(read.optionalUrl('REL')).toBeUndefined();
      expect(read.optionalUrl('CRED')).toBeUndefined();
      expect(problems).toEqual([
        "REL must be an absolute URL, got '/api/events'",
        'CRED must not carry credentials in the URL',
      ]);
    });
  });

  describe('duration', () => {
    it('reads ISO-8601 durations and bare minutes, the fallback when absent', () => {
      const { read, problems } = reader({ A: 'PT24H', B: 'P1DT30M', C: '90' });
      expect([read.duration('A', 1), read.duration('B', 1), read.duration('C', 1), read.duration('D', 5)]).toEqual([
        86_400_000, 88_200_000, 5_400_000, 5,
      ]);
      expect(problems).toEqual([]);
    });

    it.each(['PT0S', '0', 'P1M', 'P1Y', 'tomorrow', 'PT'])(
      "refuses '%s' (zero, variable length or not a duration)",
      (text) => {
        const { read, problems } = reader({ D: text });
        expect(read.duration('D', 123)).toBe(123);
        expect(problems).toEqual([
          `D must be an ISO-8601 duration (e.g. PT24H, P1D, PT30M) or a number of minutes, got '${text}'`,
        ]);
      },
    );
  });

  describe('schedule', () => {
    it('returns a valid NCRONTAB expression, or the fallback when absent', () => {
      const { read, problems } = reader({ S: '0 */5 * * * *' });
      expect(read.schedule('S', 'fallback')).toBe('0 */5 * * * *');
      expect(read.schedule('ABSENT', 'fallback')).toBe('fallback');
      expect(problems).toEqual([]);
    });

    it('names the problem and the value', () => {
      const { read, problems } = reader({ FIELDS: '* * * *', BAD: '0 0 6 * * ?' });
      expect(read.schedule('FIELDS', 'fallback')).toBe('fallback');
      expect(read.schedule('BAD', 'fallback')).toBe('fallback');
      expect(problems[0]).toMatch(/^FIELDS must be an NCRONTAB expression with 6 fields .*, got '\* \* \* \*'$/);
      expect(problems[1]).toBe("BAD has invalid NCRONTAB field(s) '?', got '0 0 6 * * ?'");
    });
  });
});
