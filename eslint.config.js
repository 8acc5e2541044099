// ESLint: typescript-eslint's type-aware rules, React's hooks rules and the layout's import
// boundaries (docs/architecture.md "Layout", decision 154). Formatting is Prettier's job.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { readdirSync } from 'node:fs';
import tseslint from 'typescript-eslint';

const features = readdirSync(new URL('./client/src/features', import.meta.url));

/**
 * Who may import whom. Top level: client/ and server/ import shared/, never each other; shared/
 * imports neither; the emulator stands apart (only server/main.ts, which chooses the mode, starts
 * it). Inside the client (bulletproof-react's rule): a feature imports no other feature; the app
 * (client/src/app) composes them; the shared layers (components, hooks, lib) import no feature.
 */
const layout = [
  { target: './client', from: ['./server', './emulator'], message: 'client/ imports shared/ only.' },
  { target: './shared', from: ['./server', './client', './emulator'], message: 'shared/ imports nothing of the app.' },
  { target: './server', from: ['./client'], message: 'server/ never imports client/.' },
  { target: './emulator', from: ['./server', './client'], message: 'The emulator stands alone.' },
  {
    target: ['./client/src/components', './client/src/hooks', './client/src/lib'],
    from: ['./client/src/features', './client/src/app'],
    message: 'Shared client layers import no feature; the app composes features.',
  },
  ...features.map((feature) => ({
    target: `./client/src/features/${feature}`,
    from: './client/src/features',
    except: [`./${feature}`],
    message:
      'A feature imports no other feature: move what both need to components/, hooks/ or lib/, or compose them in app/.',
  })),
];
const serverMayNotStartEmulator = {
  target: './server',
  from: ['./emulator'],
  message: 'Only server/main.ts starts the emulator.',
};

export default tseslint.config(
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'emulator/browser/public/', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [...layout, serverMayNotStartEmulator] }],
      // An async event handler (onClick={async () => …}) is React's usual way; its rejections are handled inside.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // Fastify's hooks and handlers are async by contract (a plain function that returns nothing
      // leaves the request hanging), as are the emulator's and the SDK's callbacks: an async
      // function with no await in it is how those are written, not a mistake.
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names are deliberately unused (a destructured field left out, a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  { files: ['server/main.ts'], rules: { 'import-x/no-restricted-paths': ['error', { zones: layout }] } },
  {
    // The client reaches shared/ through the `@shared/` alias (Vite resolves it); the server and the
    // emulator are compiled by tsc, which keeps import paths as written, so they use relative paths.
    files: ['client/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+shared/', message: "Import shared code as '@shared/…'." }] },
      ],
    },
  },
  {
    files: ['server/**', 'emulator/**', 'shared/**', 'scripts/**', 'bench/**', 'test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^@shared/', message: "Only the client (bundled by Vite) resolves '@shared/'." }] },
      ],
    },
  },
  {
    // The Rules of Hooks and complete effect dependencies. The React Compiler's rules (purity, refs,
    // set-state-in-effect) are left out until the client adopts the compiler.
    files: ['client/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // The emulator puts what a client sent into its messages, as Stripe does: String() of any value is meant.
    files: ['emulator/**'],
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
  {
    // Tests and the bench read untyped JSON answers on purpose.
    files: ['test/**', 'bench/**'],
    rules: {
      // vitest's fixtures are written `async ({}, use) => …` (a fixture that needs no other).
      'no-empty-pattern': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
);
