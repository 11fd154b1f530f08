import fc from 'fast-check';

import { ValidationError } from '../../../../src/lib/errors';
import {
  createProtectionRequest,
  encodeQueueMessage,
  MAX_PROTECTION_REQUEST_JSON_BYTES,
  parseProtectionRequest,
  PROTECTION_REQUEST_VERSION,
  type ProtectionRequest,
} from '../../../../src/lib/messages/protectionRequest';

const SUB = '00000000-1111-2222-3333-444444444444';
const VM = `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-web-01`;

function request(overrides: Partial<ProtectionRequest> = {}): ProtectionRequest {
  return { version: 1, vmResourceId: VM, subscriptionId: SUB, source: 'event', attempt: 1, ...overrides };
}

describe('protection request message', () => {
  it('parses an object as the queue trigger hands it', () => {
    const message = request({ eventId: 'e1', eventTime: '2024-05-01T10:15:30.1234567Z', correlationId: 'c1' });
    expect(parseProtectionRequest(message)).toEqual(message);
  });

  it('parses a JSON string and the host-indented JSON form', () => {
    expect(parseProtectionRequest(JSON.stringify(request()))).toEqual(request());
    expect(parseProtectionRequest(JSON.stringify(request(), null, 2))).toEqual(request());
  });

  it('canonicalises the VM id and lower-cases the subscription', () => {
    const parsed = parseProtectionRequest(
      request({ vmResourceId: VM.toUpperCase(), subscriptionId: SUB.toUpperCase() }),
    );
    expect(parsed.vmResourceId).toBe(
      `/subscriptions/${SUB}/resourceGroups/RG-PROD/providers/Microsoft.Compute/virtualMachines/VM-WEB-01`,
    );
    expect(parsed.subscriptionId).toBe(SUB);
  });

  it('keeps history and drops unknown top-level fields', () => {
    const history = [
      { attempt: 1, at: '2024-05-01T10:15:30Z', code: 'ResourceRequestsThrottled', message: 'throttled' },
    ];
    const parsed = parseProtectionRequest({ ...request({ attempt: 2, history }), extra: 'x' });
    expect(parsed.history).toEqual(history);
    expect(parsed).not.toHaveProperty('extra');
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{nope', 'not JSON'],
    ['a number', 42, 'expected object'],
    ['a null', null, 'expected object'],
    ['another version', { ...request(), version: 2 }, 'version'],
    ['a missing id', { ...request(), vmResourceId: undefined }, 'vmResourceId'],
    ['an extension id', request({ vmResourceId: `${VM}/extensions/x` }), 'child of a VM'],
    [
      'a subscription that is not the VM one',
      request({ subscriptionId: '99999999-aaaa-bbbb-cccc-dddddddddddd' }),
      'is not the subscription',
    ],
    ['an unknown source', { ...request(), source: 'manual' }, 'source'],
    ['attempt 0', request({ attempt: 0 }), 'attempt'],
    ['a fractional attempt', request({ attempt: 1.5 }), 'attempt'],
    ['a bad event time', request({ eventTime: 'yesterday' }), 'eventTime'],
  ])('rejects %s with a ValidationError naming the problem', (_label, body, expected) => {
    expect(() => parseProtectionRequest(body)).toThrow(ValidationError);
    try {
      parseProtectionRequest(body);
    } catch (error) {
      expect((error as ValidationError).code).toBe('invalid-message');
      expect((error as Error).message).toContain(expected);
    }
  });

  it('createProtectionRequest builds attempt 1 with the canonical id and no undefined fields', () => {
    const created = createProtectionRequest({ vmResourceId: VM.toLowerCase(), source: 'sweep' });
    expect(created).toEqual({
      version: PROTECTION_REQUEST_VERSION,
      vmResourceId: `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-web-01`,
      subscriptionId: SUB,
      source: 'sweep',
      attempt: 1,
    });
    expect(Object.keys(created)).not.toContain('eventId');
    expect(() => createProtectionRequest({ vmResourceId: 'nope', source: 'event' })).toThrow(ValidationError);
  });

  it('has no top-level field that would shadow queue trigger metadata', () => {
    const keys = Object.keys(
      request({ eventId: 'e', eventTime: '2024-01-01T00:00:00Z', correlationId: 'c', history: [] }),
    ).map((key) => key.toLowerCase());
    for (const reserved of [
      'id',
      'dequeuecount',
      'popreceipt',
      'insertiontime',
      'expirationtime',
      'nextvisibletime',
      'queuetrigger',
    ]) {
      expect(keys).not.toContain(reserved);
    }
  });

  it('encodes as base64 JSON and decodes back', () => {
    const message = request({ eventId: 'e1' });
    const encoded = encodeQueueMessage(message);
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual(message);
    expect(parseProtectionRequest(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual(message);
  });

  it('refuses to encode a message too large for a queue', () => {
    const history = Array.from({ length: 100 }, (_, index) => ({
      attempt: index + 1,
      at: '2024-01-01T00:00:00Z',
      code: 'x',
      message: 'm'.repeat(600),
    }));
    expect(JSON.stringify(request({ history })).length).toBeGreaterThan(MAX_PROTECTION_REQUEST_JSON_BYTES);
    expect(() => encodeQueueMessage(request({ history }))).toThrow(/queue limit/);
  });

  it('never throws anything but ValidationError on arbitrary bodies', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.string(),
          fc.record({
            version: fc.constant(1),
            vmResourceId: fc.string(),
            subscriptionId: fc.string(),
            source: fc.constantFrom('event', 'x'),
            attempt: fc.integer(),
          }),
        ),
        (body) => {
          try {
            const parsed = parseProtectionRequest(body);
            expect(parsed.version).toBe(1);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
