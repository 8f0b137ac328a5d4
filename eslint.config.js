import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

// The import boundaries of ARCHITECTURE.md, enforced here so that a wrong arrow fails `npm run lint`.
const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'zlib',
  'crypto',
  'http',
];
const electronOnly = {
  group: ['electron', 'electron/*'],
  message: 'Only src/main/index.ts and src/preload import electron.',
};
const serviceAreas = [
  'imaging',
  'segmentation',
  'intervention',
  'models',
  'pacs',
  'metrics',
  'workspace',
  'speech',
];
// Outside its own area, a service is reached only through its index.ts: from another service
// (../area/x) and from the shells, the CLI and the web shell (./services/area/x, ../services/area/x).
const serviceIndexOnly = {
  regex: `^(\\.\\./){1,2}(${serviceAreas.join('|')})/(?!index(\\.js)?$)`,
  message: 'Import another service area only through its index.ts.',
};
const shellServiceIndexOnly = {
  regex: `^(\\./|(\\.\\./)+)services/(${serviceAreas.join('|')})/(?!index(\\.js)?$)`,
  message: 'The shells reach a service area only through its index.ts.',
};
// The renderer's feature folders (pure logic and vtk.js composables) are reached through their index.ts.
const rendererFeatures = ['ai', 'audio', 'format', 'imaging', 'intervention', 'io', 'vtk'];
const rendererFeatureIndexOnly = {
  regex: `^(\\./|(\\.\\./)+)(${rendererFeatures.join('|')})/(?!index(\\.js)?$)`,
  message: "Import a renderer feature folder only through its index.ts (e.g. '../imaging').",
};
const noUi = {
  group: ['vue', 'pinia', '@kitware/*', '**/renderer/**'],
  message: 'The main side never imports UI code.',
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'node_modules/**',
      'training/**',
      'bench/results/**',
      'models/**',
      'resources/**',
      'test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'src/shared is shared by both sides: no Node modules.' },
            electronOnly,
            noUi,
            {
              group: ['**/main/**', '**/preload/**'],
              message: 'src/shared imports nothing from either side.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/**'],
    ignores: ['src/main/index.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronOnly, noUi, shellServiceIndexOnly] }],
    },
  },
  {
    files: ['src/main/index.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noUi, shellServiceIndexOnly] }],
    },
  },
  {
    // A service reaches another area only through that area's index.ts.
    files: ['src/main/services/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            electronOnly,
            noUi,
            serviceIndexOnly,
            {
              group: [
                '**/main/api',
                '../../api',
                '../../web',
                '../../cli',
                '../../cli/*',
                '../../webShell/*',
              ],
              message: 'Services never import the shells.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'The renderer has no Node access.' },
            electronOnly,
            rendererFeatureIndexOnly,
            {
              group: ['**/main/**', '**/preload/**'],
              message: 'The renderer talks to the main side only through the contract.',
            },
          ],
        },
      ],
    },
  },
);
