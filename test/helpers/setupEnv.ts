import { removeTempDirs } from './tempDir';

// Loaded before every test file. Keeps network targets on loopback: nothing in a test may reach outside.
process.env.AZURE_FUNCTIONS_ENVIRONMENT ??= 'Development';

// Custom matchers (toHaveLogged), with their type declarations.
import './matchers';
// Every folder made with tempDir() in a test file is removed when that file ends.
afterAll(removeTempDirs);
