/**
 * Looks for secrets in what the app wrote (host logs, ledger rows, rejects, reports, poison messages): the known
 * secret values of the run, and the shapes of credentials whatever their value.
 */
export interface ScannedText {
  /** Where the text came from, e.g. 'host-log', 'ledger', 'report:latest.html'. */
  source: string;
  text: string;
}

export interface SecretFinding {
  source: string;
  what: string;
  /** A few characters around the hit with the secret itself masked. */
  excerpt: string;
}

const SECRET_SHAPES: ReadonlyArray<readonly [what: string, pattern: RegExp]> = [
  ['AccountKey= in a connection string', /AccountKey=(?!\[redacted\])[^;"'\s]{8,}/i],
  ['SharedAccessSignature in a connection string', /SharedAccessSignature=(?!\[redacted\])[^;"'\s]{8,}/i],
  ['SAS signature (sig=)', /[?&]sig=(?!\[redacted\])[^&"'\s]{8,}/i],
  ['bearer token', /\bBearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/i],
  ['function key in a URL (code=)', /[?&]code=(?!\[redacted\])[^&"'\s]{8,}/i],
];

/** `secrets` are exact values (account key, runner keys, tokens); values shorter than 8 characters are ignored. */
export function scanForSecrets(
  texts: readonly ScannedText[],
  secrets: ReadonlyArray<{ what: string; value: string }>,
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const known = secrets.filter((secret) => secret.value.length >= 8);
  for (const { source, text } of texts) {
    for (const secret of known) {
      const at = text.indexOf(secret.value);
      if (at >= 0) findings.push({ source, what: secret.what, excerpt: excerptOf(text, at, secret.value.length) });
    }
    for (const [what, pattern] of SECRET_SHAPES) {
      const match = pattern.exec(text);
      if (match) findings.push({ source, what, excerpt: excerptOf(text, match.index, match[0].length) });
    }
  }
  return findings;
}

function excerptOf(text: string, at: number, length: number): string {
  const before = text.slice(Math.max(0, at - 30), at);
  const after = text.slice(at + length, at + length + 30);
  return `${before}<${length} chars masked>${after}`;
}
