import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import forge from 'node-forge';

export interface TlsMaterial {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export interface TlsFiles extends TlsMaterial {
  caCertPath: string;
}

const BUNDLE = 'tls-bundle.json';

/**
 * Returns the simulator's CA and server certificate, creating them on first use under `dataDir`.
 * The bundle is published with an exclusive link, so simulators starting in parallel agree on one CA.
 */
export function loadOrCreateTls(dataDir: string): TlsFiles {
  mkdirSync(dataDir, { recursive: true });
  const bundlePath = join(dataDir, BUNDLE);
  if (!existsSync(bundlePath)) publishBundle(bundlePath, createTlsMaterial());
  const material = JSON.parse(readFileSync(bundlePath, 'utf8')) as TlsMaterial;
  const caCertPath = join(dataDir, 'ca.pem');
  const tmp = `${caCertPath}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, material.caCert);
  renameSync(tmp, caCertPath);
  return { ...material, caCertPath };
}

function publishBundle(bundlePath: string, material: TlsMaterial): void {
  const tmp = `${bundlePath}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(material), { mode: 0o600 });
  try {
    linkSync(tmp, bundlePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(tmp);
  }
}

/** A self-signed CA (10 years) and a server certificate for 127.0.0.1 / localhost signed by it. */
export function createTlsMaterial(): TlsMaterial {
  const { pki, md } = forge;
  const caKeys = pki.rsa.generateKeyPair({ bits: 2048 });
  const ca = pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = `01${randomBytes(8).toString('hex')}`;
  ca.validity.notBefore = new Date(Date.now() - 60_000);
  ca.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const caSubject = [{ name: 'commonName', value: 'autoprotect ARM simulator local CA' }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, md.sha256.create());

  const serverKeys = pki.rsa.generateKeyPair({ bits: 2048 });
  const server = pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = `02${randomBytes(8).toString('hex')}`;
  server.validity.notBefore = new Date(Date.now() - 60_000);
  server.validity.notAfter = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
  server.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  server.setIssuer(caSubject);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  server.sign(caKeys.privateKey, md.sha256.create());

  return {
    caCert: pki.certificateToPem(ca),
    caKey: pki.privateKeyToPem(caKeys.privateKey),
    serverCert: pki.certificateToPem(server),
    serverKey: pki.privateKeyToPem(serverKeys.privateKey),
  };
}
