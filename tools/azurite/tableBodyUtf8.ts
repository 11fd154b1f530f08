import Module from 'node:module';

/**
 * Installed in the Azurite process by preloadTableBodyUtf8.ts, which startAzurite.ts passes to node with `--require`.
 *
 * Azurite's table server (3.35.0 up to at least 3.37.0, the current release; upstream issue Azure/Azurite#2670)
 * reads a JSON request body by collecting its chunks and joining them with `segments.join("")`, which decodes
 * every chunk on its own: a multi-byte UTF-8 character that a socket read splits between two chunks is stored as
 * U+FFFD. Any entity write larger than one read (about 64 KB) with non-ASCII text can be corrupted that way, for
 * example a reject record's raw payload. Real Azure Table storage is not affected.
 *
 * This rewrites that one expression of Azurite's table serializer, as the module is loaded, to decode the
 * concatenated bytes instead. Nothing on disk is changed. If the expression is not there (an Azurite that fixed
 * it, or moved the code), nothing is rewritten; `test/integration/rejects/tableRejectStore.test.ts` checks the
 * round trip byte for byte either way, so a regression shows up there. Remove this file, preloadTableBodyUtf8.ts and the
 * `--require` in startAzurite.ts once an Azurite release decodes table request bodies as bytes.
 */

export const TABLE_SERIALIZER = /[\\/]azurite[\\/]dist[\\/]src[\\/]table[\\/]generated[\\/]utils[\\/]serializer\.js$/;
export const SPLITTING_JOIN = 'const joined = segments.join("");';
export const BYTE_JOIN = 'const joined = Buffer.concat(segments.map((segment) => typeof segment === "string" ? Buffer.from(segment, "utf8") : segment)).toString("utf8");';

/** The serializer's source with the chunk join decoding bytes, or the source unchanged when it has no such join. */
export function decodeTableBodiesAsBytes(source: string): string {
  return source.includes(SPLITTING_JOIN) ? source.replace(SPLITTING_JOIN, BYTE_JOIN) : source;
}

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;

/** Hooks CommonJS compilation so that Azurite's table serializer is loaded with decodeTableBodiesAsBytes applied. */
export function installTableBodyUtf8Fix(): void {
  const prototype = Module.prototype as unknown as { _compile: Compile & { tableBodyUtf8Fix?: true } };
  if (prototype._compile.tableBodyUtf8Fix) return;
  const original = prototype._compile;
  const patched: Compile & { tableBodyUtf8Fix?: true } = function (this: unknown, content, filename, ...rest) {
    return original.call(this, TABLE_SERIALIZER.test(filename) ? decodeTableBodiesAsBytes(content) : content, filename, ...rest);
  };
  patched.tableBodyUtf8Fix = true;
  prototype._compile = patched;
}
