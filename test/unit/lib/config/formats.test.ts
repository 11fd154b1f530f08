import { httpsUrlProblem, isLoopbackUrl, ncrontabProblem, parseDurationMs } from '../../../../src/lib/config/formats';

describe('parseDurationMs', () => {
  it.each<[string, number | undefined]>([
    ['PT24H', 86_400_000],
    ['P1D', 86_400_000],
    ['P1DT1H', 90_000_000],
    ['PT30M', 1_800_000],
    ['PT1.5S', 1500],
    ['P2W', 1_209_600_000],
    ['90', 5_400_000],
    ['0.5', 30_000],
    ['P', undefined],
    ['PT', undefined],
    ['P1Y', undefined],
    ['1h', undefined],
  ])('%s -> %s', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });
});

describe('ncrontabProblem', () => {
  it.each(['0 0 6 * * *', '*/5 * * * * *', '0 30 9 * * Mon-Fri', '0 */5 * * *', '0 0 0 1,15 * *'])(
    'accepts %s',
    (text) => {
      expect(ncrontabProblem(text)).toBeUndefined();
    },
  );
  it.each(['', 'daily', '0 0 6 * *  * *', '0 0 6 ? * *', '0 0 $ * * *'])('refuses %s', (text) => {
    expect(ncrontabProblem(text)).toBeDefined();
  });
});

describe('isLoopbackUrl / httpsUrlProblem', () => {
  it.each<[string, boolean]>([
    ['https://127.0.0.1:8443', true],
    ['https://localhost', true],
    ['http://[::1]:9', true],
    ['https://management.azure.com', false],
    ['https://127.0.0.1.example.com', false],
    ['not a url', false],
  ])('isLoopbackUrl(%s) = %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['https://management.azure.com', undefined],
    ['http://127.0.0.1:8080', undefined],
    ['http://management.azure.com', 'must be an https URL'],
    ['https://user:pw@x.example', 'must not carry credentials'],
    ['relative/path', 'must be an absolute URL'],
  ])('httpsUrlProblem(%s)', (url, expected) => {
    const problem = httpsUrlProblem(url);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});
