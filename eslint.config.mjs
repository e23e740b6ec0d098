// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers, bottom up: lib ← contract ← activities ← workflows ← clients ← workers, api,
 * scripts (simulator, bench and test beside them). A folder may import from the layers below
 * it; `typesFrom` are layers it may import types from but no values.
 */
const TOP = [
  'lib',
  'contract',
  'activities',
  'workflows',
  'clients',
  'workers',
  'api',
  'scripts',
  'simulator',
  'bench',
  'test',
  'web',
];

/** A relative import of top-level folder `dir`, from any depth. */
const topLevel = (dir) => `^(\\.\\./)+${dir}(/.*)?$`;

/** Node built-ins and I/O libraries have no place in code that runs in the workflow sandbox. */
const SANDBOX = [
  {
    group: ['node:*', 'fs', 'path', 'http', 'net', 'crypto', 'os', 'child_process'],
    message: 'No Node built-ins in code the workflow sandbox loads.',
  },
  {
    group: [
      'ioredis',
      'ws',
      'pino',
      'prom-client',
      'zod',
      '@temporalio/client',
      '@temporalio/worker',
    ],
    message: 'No I/O libraries in code the workflow sandbox loads.',
  },
  {
    regex: '^(\\.\\./)+lib/redis(/.*)?$',
    message: 'The workflow sandbox does no I/O: types only from lib/redis.',
    allowTypeImports: true,
  },
];

/**
 * One no-restricted-imports entry per folder (a later entry for the same files would replace
 * an earlier one, so each folder's whole rule is built here).
 */
function layer(dir, { may, typesFrom = [], extra = [] }) {
  const patterns = [
    ...TOP.filter((d) => d !== dir && !may.includes(d) && !typesFrom.includes(d)).map((d) => ({
      regex: topLevel(d),
      message: `${dir}/ must not import ${d}/ (layers: lib ← contract ← activities ← workflows ← clients ← workers, api, scripts).`,
    })),
    ...typesFrom.map((d) => ({
      regex: topLevel(d),
      message: `${dir}/ may import only types from ${d}/.`,
      allowTypeImports: true,
    })),
    ...extra,
  ];
  return {
    files: [`${dir}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'tools/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through lib/config only.',
        },
      ],
    },
  },
  {
    // The config module is the one place that reads the environment; tools and tests set it.
    files: ['lib/config/**', 'scripts/**', 'test/**', 'bench/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  layer('lib', { may: [] }),
  layer('contract', { may: ['lib'], extra: SANDBOX }),
  layer('activities', { may: ['lib', 'contract'] }),
  layer('workflows', { may: ['lib', 'contract'], typesFrom: ['activities'], extra: SANDBOX }),
  layer('clients', { may: ['lib', 'contract'], typesFrom: ['activities', 'workflows'] }),
  layer('workers', { may: ['lib', 'contract', 'activities', 'workflows', 'clients'] }),
  layer('api', { may: ['lib', 'contract', 'clients'], typesFrom: ['activities', 'workflows'] }),
  layer('simulator', { may: ['lib'] }),
  layer('scripts', {
    may: ['lib', 'contract', 'activities', 'workflows', 'clients', 'workers', 'api', 'simulator'],
  }),
  // The browser console: its own tsconfig, and nothing of the server's layers.
  { ...layer('web', { may: [] }), files: ['web/**/*.ts', 'web/**/*.tsx'] },
  layer('bench', {
    may: ['lib', 'contract', 'activities', 'workflows', 'clients', 'workers', 'api', 'simulator'],
  }),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
