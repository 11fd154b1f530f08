import { randomBytes } from 'node:crypto';

/** The connection string of the Azurite started by test/helpers/globalSetup.ts. */
export function testStorageConnectionString(): string {
  const value = process.env.AUTOPROTECT_TEST_STORAGE;
  if (!value)
    throw new Error(
      'AUTOPROTECT_TEST_STORAGE is not set: integration tests run through the "integration" jest project, whose globalSetup starts Azurite',
    );
  return value;
}

/** A unique, valid queue/table name for one test (lower-case letters and digits, 3-63 chars). */
export function uniqueName(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[^a-z0-9]/g, '')}${randomBytes(5).toString('hex')}`.slice(0, 63);
}
