/**
 * Import cycles, type-only imports included (`tsPreCompilationDeps`): ESLint's import-x/no-cycle skips `import type`,
 * but a type cycle still means two modules each own part of the other. Boundaries are ESLint's (eslint.config.mjs).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-import-cycle',
      severity: 'error',
      comment: 'Import cycle (type-only imports count): move the shared part to the module both can depend on.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|node_modules|\\.local|reports|test-artifacts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
