/** `node --require` entry for the Azurite process: see tableBodyUtf8.ts. */
import { installTableBodyUtf8Fix } from './tableBodyUtf8';

installTableBodyUtf8Fix();
