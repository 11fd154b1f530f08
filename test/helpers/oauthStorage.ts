import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';

import type { AccessToken, TokenCredential } from '@azure/core-auth';

import { createTlsMaterial } from '../../simulator/src/certs';
import type { StorageConfig } from '../../src/lib/config';
import { type AzuriteHandle, startAzurite } from '../../tools/azurite/startAzurite';

/**
 * The identity path of storage, tested for real: a second Azurite serves HTTPS with a throwaway certificate and
 * accepts OAuth bearer tokens (`--oauth basic`: it checks audience, issuer and lifetime, not the signature), and the
 * app's clients (src/lib/clients.ts) talk to it through a token credential, as they talk to Azure with the managed
 * identity. globalSetup starts it and hands its service URIs to the workers in AUTOPROTECT_TEST_STORAGE_OAUTH.
 */
export interface OAuthStorageInfo {
  blobServiceUri: string;
  queueServiceUri: string;
  tableServiceUri: string;
  caCertPath: string;
}

const ENV_NAME = 'AUTOPROTECT_TEST_STORAGE_OAUTH';
const TEST_TENANT = '72f988bf-0000-4000-8000-000000000001';

/** Starts the OAuth Azurite with a certificate generated now (nothing is kept after the run). */
export async function startOAuthAzurite(dir: string): Promise<{ handle: AzuriteHandle; info: OAuthStorageInfo }> {
  mkdirSync(dir, { recursive: true });
  const material = createTlsMaterial();
  const certPath = join(dir, 'azurite-oauth-cert.pem');
  const keyPath = join(dir, 'azurite-oauth-key.pem');
  const caCertPath = join(dir, 'azurite-oauth-ca.pem');
  writeFileSync(certPath, material.serverCert + material.caCert);
  writeFileSync(keyPath, material.serverKey, { mode: 0o600 });
  writeFileSync(caCertPath, material.caCert);
  const handle = await startAzurite({ tls: { certPath, keyPath } });
  const info = {
    blobServiceUri: handle.serviceUris.blob,
    queueServiceUri: handle.serviceUris.queue,
    tableServiceUri: handle.serviceUris.table,
    caCertPath,
  };
  process.env[ENV_NAME] = JSON.stringify(info);
  return { handle, info };
}

/**
 * The identity form of the storage settings pointing at the OAuth Azurite, with its CA trusted by this process
 * (`tls.setDefaultCACertificates`, Node 22: the SDKs' own https agents then accept its certificate).
 */
export function oauthStorageConfig(): Extract<StorageConfig, { kind: 'identity' }> {
  const text = process.env[ENV_NAME];
  if (!text) {
    throw new Error(
      `${ENV_NAME} is not set: integration tests run through the "integration" jest project, whose globalSetup starts Azurite`,
    );
  }
  const info = JSON.parse(text) as OAuthStorageInfo;
  trustCa(readFileSync(info.caCertPath, 'utf8'));
  return {
    kind: 'identity',
    blobServiceUri: info.blobServiceUri,
    queueServiceUri: info.queueServiceUri,
    tableServiceUri: info.tableServiceUri,
  };
}

function trustCa(caPem: string): void {
  const api = tls as unknown as {
    getCACertificates(kind: 'default'): string[];
    setDefaultCACertificates(certs: string[]): void;
  };
  const current = api.getCACertificates('default');
  if (!current.includes(caPem)) api.setDefaultCACertificates([...current, caPem]);
}

export interface TestTokenCredential extends TokenCredential {
  /** The scopes every getToken call asked for. */
  readonly requestedScopes: string[];
}

/**
 * A credential that mints unsigned JWTs for the scope it is asked for, like Entra ID would for the managed identity.
 * `audience` overrides the audience (a wrong one must be refused, which proves Azurite checks the token).
 */
export function testTokenCredential(options: { audience?: string } = {}): TestTokenCredential {
  const requestedScopes: string[] = [];
  return {
    requestedScopes,
    getToken: async (scopes): Promise<AccessToken> => {
      const list = Array.isArray(scopes) ? scopes : [scopes];
      requestedScopes.push(...list);
      const now = Math.floor(Date.now() / 1000);
      const expiresOn = now + 3600;
      const claims = {
        aud: options.audience ?? (list[0] ?? '').replace(/\/\.default$/, ''),
        iss: `https://sts.windows.net/${TEST_TENANT}/`,
        iat: now - 60,
        nbf: now - 60,
        exp: expiresOn,
        oid: '00000000-0000-4000-8000-00000000a11d',
        tid: TEST_TENANT,
      };
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return {
        token: `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`,
        expiresOnTimestamp: expiresOn * 1000,
      };
    },
  };
}
