import Module from 'node:module';

/**
 * Two one-expression rewrites of Azurite's own JavaScript, applied as Node compiles the file in the Azurite process
 * that startAzurite.ts starts (`node --require preloadAzurite.js`). Nothing on disk is changed. A rewrite whose
 * expression is not in the file (a later Azurite that changed it) does nothing; the unit test
 * test/unit/toolchain/azuritePatches.test.ts fails then, so that the rewrite is reviewed or removed.
 */
export interface AzuriteRewrite {
  name: string;
  /** The file, as the path Node compiles it under. */
  file: RegExp;
  from: string;
  to: string;
}

/**
 * Azurite's table server (3.35.0 up to at least 3.37.0, the current release; upstream issue Azure/Azurite#2670)
 * reads a JSON request body by collecting its chunks and joining them with `segments.join("")`, which decodes every
 * chunk on its own: a multi-byte UTF-8 character that a socket read splits between two chunks is stored as U+FFFD.
 * Any entity write larger than one read (about 64 KB) with non-ASCII text can be corrupted that way, for example a
 * reject record's raw payload. Real Azure Table storage is not affected. The rewrite decodes the concatenated
 * bytes instead (what the upstream fix does); test/integration/rejects/tableRejectStore.test.ts checks the round
 * trip byte for byte. Remove it once an Azurite release decodes table request bodies as bytes.
 */
export const TABLE_BODY_UTF8: AzuriteRewrite = {
  name: 'table request bodies decoded as bytes',
  file: /[\\/]azurite[\\/]dist[\\/]src[\\/]table[\\/]generated[\\/]utils[\\/]serializer\.js$/,
  from: 'const joined = segments.join("");',
  to: 'const joined = Buffer.concat(segments.map((segment) => typeof segment === "string" ? Buffer.from(segment, "utf8") : segment)).toString("utf8");',
};

/**
 * Azurite 3.37's Telemetry.js requires `applicationinsights` 3 as it loads, about 2,700 modules (the OpenTelemetry
 * SDK, its exporters, gRPC), although with `--disableTelemetry` it never uses it: that made Azurite's start-up
 * about twice as costly as 3.35's (some 3 s of CPU instead of 1.5 on these machines). The rewrite makes the
 * property load the library on first use, so telemetry that is used works as before, and unused costs nothing.
 */
export const LAZY_TELEMETRY: AzuriteRewrite = {
  name: 'applicationinsights loaded on first use',
  file: /[\\/]azurite[\\/]dist[\\/]src[\\/]common[\\/]Telemetry\.js$/,
  from: 'AzuriteTelemetryClient.appInsights = require("applicationinsights");',
  to: 'Object.defineProperty(AzuriteTelemetryClient, "appInsights", { configurable: true, enumerable: true, get() { const appInsights = require("applicationinsights"); Object.defineProperty(AzuriteTelemetryClient, "appInsights", { value: appInsights, writable: true, configurable: true, enumerable: true }); return appInsights; } });',
};

export const AZURITE_REWRITES: readonly AzuriteRewrite[] = [TABLE_BODY_UTF8, LAZY_TELEMETRY];

/** `source` with every rewrite for `filename` applied (unchanged when none matches). */
export function rewriteAzuriteSource(
  filename: string,
  source: string,
  rewrites: readonly AzuriteRewrite[] = AZURITE_REWRITES,
): string {
  let result = source;
  for (const rewrite of rewrites) {
    if (rewrite.file.test(filename) && result.includes(rewrite.from)) result = result.replace(rewrite.from, rewrite.to);
  }
  return result;
}

type Compile = ((this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown) & {
  azuritePatches?: true;
};

/**
 * Hooks CommonJS compilation so that the files above are compiled rewritten. (A hook on `require` instead would put
 * a frame outside node_modules on every require's stack, which makes Node print deprecation warnings it keeps for
 * application code, such as DEP0040 for `punycode`.)
 */
export function installAzuritePatches(): void {
  const prototype = Module.prototype as unknown as { _compile: Compile };
  if (prototype._compile.azuritePatches) return;
  const original = prototype._compile;
  const patched: Compile = function (this: unknown, content, filename, ...rest) {
    return original.call(this, rewriteAzuriteSource(filename, content), filename, ...rest);
  };
  patched.azuritePatches = true;
  prototype._compile = patched;
}
