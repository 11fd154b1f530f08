import { scanForSecrets } from '../../../tools/chaos/scanSecrets';

const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

describe('scanForSecrets', () => {
  it('finds a known secret value and masks it in the excerpt', () => {
    const findings = scanForSecrets(
      [{ source: 'host-log', text: `{"message":"connecting with ${KEY} now"}` }],
      [{ what: 'storage account key', value: KEY }],
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ source: 'host-log', what: 'storage account key' });
    expect(findings[0]?.excerpt).not.toContain(KEY);
    expect(findings[0]?.excerpt).toContain('masked');
  });

  it.each([
    ['DefaultEndpointsProtocol=http;AccountName=x;AccountKey=abcdefghijklmnop;', 'AccountKey'],
    ['Endpoint=sb://x;SharedAccessSignature=sv=2020&sig=abcdefghijklm', 'SharedAccessSignature'],
    ['https://127.0.0.1/blob?sv=2020-01-01&sig=abcdEFGH12345678%3D', 'sig='],
    ['authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi', 'bearer'],
    ['POST /runtime/webhooks/eventgrid?functionName=x&code=abcdefgh12345678', 'code='],
  ])('finds the shape of a credential whatever its value: %s', (text, what) => {
    const findings = scanForSecrets([{ source: 'ledger', text }], []);
    expect(findings.map((finding) => finding.what).join(' ')).toContain(what);
  });

  it('accepts redacted values and ordinary text', () => {
    const text = 'AccountKey=[redacted]; sig=[redacted]; Bearer [redacted]; the key of the VM is its id; code=42';
    expect(
      scanForSecrets(
        [{ source: 'report', text }],
        [
          { what: 'short', value: 'abc' },
          { what: 'key', value: KEY },
        ],
      ),
    ).toEqual([]);
  });
});
