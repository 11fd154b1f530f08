// Loaded before every test file. Keeps network targets on loopback: nothing in a test may reach outside.
process.env.AZURE_FUNCTIONS_ENVIRONMENT ??= 'Development';

// Custom matchers (toHaveLogged), with their type declarations.
import './matchers';
