import { z } from 'zod';

import {
  cloudEventEnvelopeSchema,
  eventGridEnvelopeSchema,
  formatZodIssues,
  resourceWriteDataSchema,
} from '../../../../src/lib/events/schemas';

const eventGridEvent = {
  id: 'ev-1',
  eventType: 'Microsoft.Resources.ResourceWriteSuccess',
  subject: '/subscriptions/s/resourceGroups/rg',
  eventTime: '2026-03-01T10:00:00.1234567Z',
  dataVersion: '',
  data: { operationName: 'Microsoft.Compute/virtualMachines/write' },
};

const cloudEvent = {
  specversion: '1.0',
  id: 'ev-2',
  type: 'Microsoft.Resources.ResourceWriteSuccess',
  source: '/subscriptions/s',
  data: {},
};

/** The issues of a failed parse, formatted. */
function issuesOf(schema: z.ZodType, value: unknown): string {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected the value to be refused');
  return formatZodIssues(parsed.error);
}

describe('eventGridEnvelopeSchema', () => {
  it('accepts a minimal event and keeps fields it does not know', () => {
    const parsed = eventGridEnvelopeSchema.parse({ ...eventGridEvent, newField: 1 });
    expect(parsed).toMatchObject({ id: 'ev-1', newField: 1 });
  });

  it('refuses an eventTime that is not a timestamp, and an empty one', () => {
    expect(issuesOf(eventGridEnvelopeSchema, { ...eventGridEvent, eventTime: 'yesterday' })).toBe(
      'eventTime: must be an ISO-8601 timestamp',
    );
    expect(issuesOf(eventGridEnvelopeSchema, { ...eventGridEvent, eventTime: '' })).toMatch(/^eventTime: /);
  });

  it('refuses an empty id or eventType but allows an empty subject and dataVersion', () => {
    expect(issuesOf(eventGridEnvelopeSchema, { ...eventGridEvent, id: '' })).toMatch(/^id: /);
    expect(issuesOf(eventGridEnvelopeSchema, { ...eventGridEvent, eventType: '' })).toMatch(/^eventType: /);
    expect(eventGridEnvelopeSchema.safeParse({ ...eventGridEvent, subject: '' }).success).toBe(true);
  });

  it('requires dataVersion (the Event Grid schema always carries it)', () => {
    const { dataVersion: _dataVersion, ...withoutVersion } = eventGridEvent;
    expect(issuesOf(eventGridEnvelopeSchema, withoutVersion)).toMatch(/^dataVersion: /);
  });
});

describe('cloudEventEnvelopeSchema', () => {
  it('accepts a minimal CloudEvent without subject or time', () => {
    expect(cloudEventEnvelopeSchema.safeParse(cloudEvent).success).toBe(true);
  });

  it('accepts only spec version 1.0', () => {
    expect(issuesOf(cloudEventEnvelopeSchema, { ...cloudEvent, specversion: '0.3' })).toMatch(/^specversion: /);
  });

  it('checks time when it is present', () => {
    expect(issuesOf(cloudEventEnvelopeSchema, { ...cloudEvent, time: 'not a time' })).toBe(
      'time: must be an ISO-8601 timestamp',
    );
    expect(cloudEventEnvelopeSchema.safeParse({ ...cloudEvent, time: '2026-03-01T10:00:00Z' }).success).toBe(true);
  });

  it('refuses an empty source', () => {
    expect(issuesOf(cloudEventEnvelopeSchema, { ...cloudEvent, source: '' })).toMatch(/^source: /);
  });
});

describe('resourceWriteDataSchema', () => {
  it('needs only the operation name (httpRequest is absent on creates)', () => {
    expect(resourceWriteDataSchema.safeParse({ operationName: 'x/write' }).success).toBe(true);
  });

  it('refuses data without an operation name, or with an empty resourceUri', () => {
    expect(issuesOf(resourceWriteDataSchema, {})).toMatch(/^operationName: /);
    expect(issuesOf(resourceWriteDataSchema, { operationName: 'x', resourceUri: '' })).toMatch(/^resourceUri: /);
  });

  it('checks the type of a nested httpRequest.method', () => {
    expect(issuesOf(resourceWriteDataSchema, { operationName: 'x', httpRequest: { method: 7 } })).toMatch(
      /^httpRequest\.method: /,
    );
  });
});

describe('formatZodIssues', () => {
  it('joins every issue with its dotted path, numbers included', () => {
    const schema = z.object({ a: z.array(z.object({ b: z.string() })), c: z.number() });
    const text = issuesOf(schema, { a: [{ b: 'ok' }, { b: 1 }], c: 'x' });
    const parts = text.split('; ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/^a\.1\.b: /);
    expect(parts[1]).toMatch(/^c: /);
  });

  it("names an issue on the whole value '(event)'", () => {
    expect(issuesOf(eventGridEnvelopeSchema, 'not an object')).toMatch(/^\(event\): /);
  });
});
