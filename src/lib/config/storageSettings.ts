import { GUID_PATTERN, isLoopbackUrl, parseEndpointUrl } from './formats';
import type { SettingReader } from './settingReader';
import type { StorageConfig } from './types';

/**
 * The app's storage account, in one of the two forms the Functions host itself accepts for `AzureWebJobsStorage`:
 * - identity (Azure): `AzureWebJobsStorage__blobServiceUri`, `__queueServiceUri`, `__tableServiceUri`, optionally
 *   `__credential=managedidentity` and `__clientId`; the clients authenticate with a token credential;
 * - a connection string (`AzureWebJobsStorage`), accepted for Azurite only, so that no account key is ever configured.
 */
export const STORAGE_CONNECTION_SETTING = 'AzureWebJobsStorage';
export const STORAGE_IDENTITY_SETTINGS = {
  blobServiceUri: 'AzureWebJobsStorage__blobServiceUri',
  queueServiceUri: 'AzureWebJobsStorage__queueServiceUri',
  tableServiceUri: 'AzureWebJobsStorage__tableServiceUri',
  credential: 'AzureWebJobsStorage__credential',
  clientId: 'AzureWebJobsStorage__clientId',
} as const;

const SERVICE_URI_NAMES = ['blobServiceUri', 'queueServiceUri', 'tableServiceUri'] as const;
const IDENTITY_FORM = `${STORAGE_IDENTITY_SETTINGS.blobServiceUri}, ${STORAGE_IDENTITY_SETTINGS.queueServiceUri} and ${STORAGE_IDENTITY_SETTINGS.tableServiceUri}`;

export function readStorage(read: SettingReader, problems: string[]): StorageConfig {
  const connectionString = read.raw(STORAGE_CONNECTION_SETTING);
  const identityNames = Object.values(STORAGE_IDENTITY_SETTINGS).filter((name) => read.raw(name) !== undefined);
  if (connectionString !== undefined && identityNames.length > 0) {
    problems.push(
      `${STORAGE_CONNECTION_SETTING} and ${identityNames.join(', ')} are both set: use either the identity settings (${IDENTITY_FORM}) or, for Azurite only, the connection string`,
    );
  }
  if (connectionString === undefined && identityNames.length === 0) {
    problems.push(
      `storage is not configured: set ${IDENTITY_FORM} (identity, as in Azure), or ${STORAGE_CONNECTION_SETTING} (a connection string, Azurite only)`,
    );
    return { kind: 'connectionString', connectionString: '' };
  }
  if (identityNames.length === 0 && connectionString !== undefined) {
    const problem = azuriteOnlyProblem(connectionString);
    if (problem !== undefined) problems.push(`${STORAGE_CONNECTION_SETTING} ${problem}`);
    return { kind: 'connectionString', connectionString };
  }
  return readIdentityStorage(read, problems);
}

function readIdentityStorage(read: SettingReader, problems: string[]): StorageConfig {
  const uris = Object.fromEntries(
    SERVICE_URI_NAMES.map((key) => {
      const name = STORAGE_IDENTITY_SETTINGS[key];
      const value = read.raw(name);
      if (value === undefined) {
        problems.push(`${name} is required with identity-based storage (${IDENTITY_FORM})`);
        return [key, ''];
      }
      const problem = serviceUriProblem(value);
      if (problem !== undefined) problems.push(`${name} ${problem}`);
      return [key, value.replace(/\/+$/, '')];
    }),
  ) as Record<(typeof SERVICE_URI_NAMES)[number], string>;
  const credential = read.raw(STORAGE_IDENTITY_SETTINGS.credential);
  if (credential !== undefined && credential.toLowerCase() !== 'managedidentity') {
    problems.push(`${STORAGE_IDENTITY_SETTINGS.credential} must be 'managedidentity' when set, got '${credential}'`);
  }
  const clientId = read.raw(STORAGE_IDENTITY_SETTINGS.clientId);
  if (clientId !== undefined && !GUID_PATTERN.test(clientId)) {
    problems.push(`${STORAGE_IDENTITY_SETTINGS.clientId} must be the client id (a GUID) of a managed identity`);
  }
  return {
    kind: 'identity',
    ...uris,
    ...(clientId !== undefined && GUID_PATTERN.test(clientId) ? { clientId: clientId.toLowerCase() } : {}),
  };
}

/** Bearer tokens travel over TLS only: https, including towards a local Azurite started with --oauth basic. */
function serviceUriProblem(value: string): string | undefined {
  const url = parseEndpointUrl(value);
  if (typeof url === 'string') return url;
  if (url.search !== '') return 'must not carry a query (no SAS token: the identity authenticates)';
  if (url.protocol !== 'https:') return `must be an https URL (tokens are sent over TLS only), got '${url.protocol}//'`;
  return undefined;
}

/**
 * A connection string is only for the local emulator: `UseDevelopmentStorage=true`, or explicit Blob, Queue and Table
 * endpoints on 127.0.0.1/localhost. An Azure account is reached with the identity settings, never with its key.
 */
export function azuriteOnlyProblem(connectionString: string): string | undefined {
  if (/^\s*usedevelopmentstorage\s*=\s*true\s*;?\s*$/i.test(connectionString)) return undefined;
  const endpoints = ['BlobEndpoint', 'QueueEndpoint', 'TableEndpoint'].map((name) =>
    connectionStringField(connectionString, name),
  );
  if (endpoints.every((endpoint) => endpoint !== undefined && isLoopbackUrl(endpoint))) return undefined;
  return `is accepted for Azurite only (UseDevelopmentStorage=true, or Blob, Queue and Table endpoints on 127.0.0.1/localhost); in Azure set ${IDENTITY_FORM} and let the identity authenticate`;
}

/** One `Name=value` field of a storage connection string (name case-insensitive), trimmed; undefined when absent. */
export function connectionStringField(connectionString: string, name: string): string | undefined {
  return new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*([^;]+)`, 'i').exec(connectionString)?.[1]?.trim();
}
