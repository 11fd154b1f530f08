import { encodeQueueMessage, toQueueMessageBodies } from '../../tools/local-runner/outputs';
import { emptyPollDelayMs } from '../../tools/local-runner/triggers/queueListener';
import { decodeMessageText, queueTriggerMetadata } from '../../tools/local-runner/triggers/queueMessage';

const texts = (buffers: Buffer[]) => buffers.map((b) => b.toString('utf8'));

describe('local runner host serialisation', () => {
  describe('queue output values', () => {
    it('splits an array into one message per element and indents objects', () => {
      expect(texts(toQueueMessageBodies({ json: JSON.stringify([{ vm: 'a' }, 'plain', 3]) }))).toEqual([
        '{\n  "vm": "a"\n}',
        'plain',
        '3',
      ]);
    });

    it('parses JSON-looking strings again and writes other strings as is', () => {
      expect(texts(toQueueMessageBodies({ string: '{"a":1}' }))).toEqual(['{\n  "a": 1\n}']);
      expect(texts(toQueueMessageBodies({ string: ' [1,2] ' }))).toEqual(['1', '2']);
      expect(texts(toQueueMessageBodies({ string: '{not json}' }))).toEqual(['{not json}']);
      expect(texts(toQueueMessageBodies({ string: 'hello' }))).toEqual(['hello']);
    });

    it('writes numbers as text and bytes as bytes, and nothing for null', () => {
      expect(texts(toQueueMessageBodies({ int: 7 }))).toEqual(['7']);
      expect(texts(toQueueMessageBodies({ double: 1.5 }))).toEqual(['1.5']);
      expect(toQueueMessageBodies({ bytes: new Uint8Array([1, 2]) })).toEqual([Buffer.from([1, 2])]);
      expect(toQueueMessageBodies({ json: 'null' })).toEqual([]);
    });

    it('encodes per messageEncoding', () => {
      expect(encodeQueueMessage(Buffer.from('{"a":1}'), 'base64')).toBe('eyJhIjoxfQ==');
      expect(encodeQueueMessage(Buffer.from('{"a":1}'), 'none')).toBe('{"a":1}');
    });
  });

  describe('queue trigger input', () => {
    it('decodes strict base64 and flags invalid UTF-8', () => {
      expect(decodeMessageText('eyJhIjoxfQ==', 'base64')?.text).toBe('{"a":1}');
      expect(decodeMessageText('{"a":1}', 'base64')).toBeUndefined();
      expect(decodeMessageText('//79', 'base64')?.text).toBeUndefined();
      expect(decodeMessageText('plain', 'none')?.text).toBe('plain');
    });

    it('builds PascalCase metadata and lets top-level body properties overwrite built-ins', () => {
      const message = {
        messageId: 'm1',
        popReceipt: 'p1',
        dequeueCount: 2,
        messageText: '',
        insertedOn: new Date('2026-01-01T00:00:00.123Z'),
        expiresOn: new Date('2026-01-08T00:00:00Z'),
        nextVisibleOn: new Date('2026-01-01T00:10:00Z'),
      };
      const metadata = queueTriggerMetadata(message, {
        bytes: Buffer.alloc(0),
        text: '{"vm":"a","count":3,"id":"shadow","list":[1],"nested":{"x":1}}',
      });
      expect(metadata).toEqual({
        DequeueCount: { json: '2' },
        PopReceipt: { string: 'p1' },
        QueueTrigger: { string: '{"vm":"a","count":3,"id":"shadow","list":[1],"nested":{"x":1}}' },
        InsertionTime: { string: '2026-01-01T00:00:00+00:00' },
        ExpirationTime: { string: '2026-01-08T00:00:00+00:00' },
        NextVisibleTime: { string: '2026-01-01T00:10:00+00:00' },
        vm: { string: 'a' },
        count: { string: '3' },
        id: { string: 'shadow' },
        nested: { json: '{"x":1}' },
      });
    });
  });

  it('backs off empty polls exponentially from about 200 ms up to maxPollingInterval', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((k) => emptyPollDelayMs(k, 60_000, middle))).toEqual([200, 300, 500, 900]);
    expect(emptyPollDelayMs(1, 60_000, () => 0)).toBe(180);
    expect(emptyPollDelayMs(1, 60_000, () => 1)).toBe(220);
    expect(emptyPollDelayMs(20, 2_000, middle)).toBe(2_000);
  });
});
