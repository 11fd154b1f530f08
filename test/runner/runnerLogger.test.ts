import { createLineWriter, createLogger, scrubLine } from '../../tools/local-runner/logger';

describe('local runner logger', () => {
  it('redacts account keys, SAS signatures and every registered secret, wherever they appear', () => {
    const lines: string[] = [];
    const logger = createLogger('i1', (line) => lines.push(line));
    logger.redact('master-key-0123456789');
    logger.redact('system-key-abcdefghij');
    logger.log({
      level: 'error',
      category: 'function',
      message: 'AccountKey=abc123== and ?sv=1&sig=XYZ%3D and master-key-0123456789 twice master-key-0123456789',
      detail: {
        nested: 'system-key-abcdefghij',
        conn: 'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k/+=;QueueEndpoint=x',
      },
    });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toMatch(/abc123|XYZ|master-key-0123456789|system-key-abcdefghij|k\/\+=/);
    expect(line).toContain('AccountKey=[redacted]');
    expect(line).toContain('sig=[redacted]');
    expect(JSON.parse(line)).toMatchObject({ instance: 'i1', level: 'error', category: 'function' });
  });

  it('leaves lines without secrets unchanged', () => {
    const line = JSON.stringify({ message: "Executing 'Functions.f' (Reason='x', Id=1)" });
    expect(scrubLine(line, ['some-secret-value'])).toBe(line);
  });

  it('writes every line, in order, in one write per event-loop turn, and flush() writes at once', async () => {
    const chunks: string[] = [];
    const writer = createLineWriter({ write: (chunk: string) => chunks.push(chunk) });
    writer.write('a');
    writer.write('b');
    writer.write('c');
    expect(chunks).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toEqual(['a\nb\nc\n']);
    writer.write('d');
    writer.flush();
    expect(chunks).toEqual(['a\nb\nc\n', 'd\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toHaveLength(2);
  });

  it('writes a large burst before the turn ends instead of holding it all', () => {
    const chunks: string[] = [];
    const writer = createLineWriter({ write: (chunk: string) => chunks.push(chunk) });
    const line = 'x'.repeat(1_000);
    for (let i = 0; i < 100; i += 1) writer.write(line);
    expect(chunks.length).toBeGreaterThan(0);
    writer.flush();
    expect(chunks.join('').split('\n').filter(Boolean)).toHaveLength(100);
  });
});
