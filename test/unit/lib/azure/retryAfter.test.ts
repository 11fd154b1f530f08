import { createHttpHeaders } from '@azure/core-rest-pipeline';

import { retryAfterMsFrom } from '../../../../src/lib/azure/retryAfter';

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] });
const now = new Date('2026-01-01T00:00:00Z');

describe('retryAfterMsFrom', () => {
  it('reads Retry-After in seconds, whole or fractional', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMsFrom(headers({ 'retry-after': ' 1.5 ' }))).toBe(1500);
    expect(retryAfterMsFrom(headers({ 'retry-after': '0' }))).toBe(0);
  });

  it('reads the millisecond headers, retry-after-ms first', () => {
    expect(retryAfterMsFrom(headers({ 'x-ms-retry-after-ms': '40' }))).toBe(40);
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': '25', 'x-ms-retry-after-ms': '40' }))).toBe(25);
  });

  it('prefers a millisecond header over Retry-After', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': '250', 'retry-after': '60' }))).toBe(250);
  });

  it('skips a blank or unparsable millisecond header and falls back to the next one', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': ' ', 'x-ms-retry-after-ms': '40' }))).toBe(40);
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': 'soon', 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': 'Infinity', 'retry-after': '2' }))).toBe(2000);
  });

  it('clamps a negative millisecond value to zero', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after-ms': '-500' }))).toBe(0);
  });

  it('reads an HTTP date relative to now, and never returns a negative wait for a date in the past', () => {
    expect(retryAfterMsFrom(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }), now)).toBe(10_000);
    expect(retryAfterMsFrom(headers({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), now)).toBe(0);
  });

  it('does not read a negative number of seconds as a wait', () => {
    // '-5' is not seconds (digits only) and Date.parse reads it as a year long past: no wait.
    expect(retryAfterMsFrom(headers({ 'retry-after': '-5' }), now)).toBe(0);
  });

  it('gives undefined for absent, blank or garbage values, and for no headers at all', () => {
    expect(retryAfterMsFrom(headers({}))).toBeUndefined();
    expect(retryAfterMsFrom(headers({ 'retry-after': '' }))).toBeUndefined();
    expect(retryAfterMsFrom(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMsFrom(undefined)).toBeUndefined();
  });

  it('works on core-rest-pipeline HttpHeaders, whose names are case-insensitive', () => {
    expect(retryAfterMsFrom(createHttpHeaders({ 'Retry-After': '7' }))).toBe(7000);
    expect(retryAfterMsFrom(createHttpHeaders({ 'X-MS-Retry-After-Ms': '9' }))).toBe(9);
  });
});
