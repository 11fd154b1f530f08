import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The code's shape, held by lint rather than by memory:
 * - type-aware rules (a floating promise in an async handler silently loses work);
 * - sorted imports;
 * - boundaries between the deployed app (src/), the simulator and the tools, each with a message naming the boundary.
 * Import cycles, type-only imports included, are checked by dependency-cruiser (.dependency-cruiser.cjs): the
 * import-x cycle rule skips `import type`, and a type cycle is still a tangle of ownership.
 */

/** A boundary: files matching `target` may not import files under `from`. */
function boundary(target, from, message) {
  return { target, from, message: `Boundary: ${message}` };
}

const BOUNDARIES = [
  boundary('./src', './simulator', 'src/ is the deployed app; it never imports the simulator (never deployed).'),
  boundary('./src', './tools', 'src/ is the deployed app; it never imports tools/ (never deployed).'),
  boundary('./src', './bench', 'src/ is the deployed app; it never imports bench/ (never deployed).'),
  boundary('./src', './test', 'src/ is the deployed app; test fakes and helpers live in test/helpers.'),
  boundary('./src/lib', './src/functions', 'src/lib is called by the function files, never the other way round.'),
  boundary('./src/lib', './src/index.ts', 'src/lib never imports the app entry point.'),
  boundary('./simulator', './src', 'the simulator stands for Azure: it shares no code with the app it tests.'),
  boundary('./simulator', './tools', 'the simulator is self-contained: it imports nothing from tools/.'),
  boundary('./simulator', './bench', 'the simulator is self-contained: it imports nothing from bench/.'),
  boundary('./simulator', './test', 'the simulator is self-contained: it imports nothing from test/.'),
  boundary('./tools', './bench', 'tools/ never imports bench/.'),
  boundary('./tools', './test', 'tools/ never imports test/.'),
  boundary('./bench', './test', 'bench/ never imports test/.'),
];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '.local/',
      'reports/',
      'test-artifacts/',
      'bench/results/',
      'test/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX, 'simple-import-sort': simpleImportSort },
    settings: { 'import-x/resolver': { typescript: true, node: true } },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
      'prefer-const': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      // The async-safety rules, named even though recommendedTypeChecked has them: they are why lint is type-aware.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      'import-x/no-restricted-paths': ['error', { zones: BOUNDARIES }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      // Prettier wraps code at 120 but never comments: this holds comments to the same width. Long strings,
      // template literals, regular expressions and URLs stay whole (splitting them would hurt more than it helps).
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    // Jest's asymmetric matchers (expect.any, expect.objectContaining) are typed `any`, and `expect(obj.method)` is
    // how jest asserts on mocks: the unsafe-any and unbound-method rules only add noise there. The async-safety rules
    // stay on: a floating promise in a test is a test that cannot fail.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Only src/lib/config reads the environment; everything else receives typed config.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through src/lib/config.' },
      ],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@azure/functions',
              message:
                'Boundary: src/lib does not depend on @azure/functions; take a narrow interface (LogSink) and let the function file pass the InvocationContext.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/lib/config/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
