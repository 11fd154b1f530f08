/** `node --require` entry for the Azurite process that startAzurite.ts starts: see azuritePatches.ts. */
import { installAzuritePatches } from './azuritePatches';

installAzuritePatches();
