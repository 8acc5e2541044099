// @stripe/connect-js's side-effect-free entry. Its own `pure.d.ts` re-exports the package's
// TypeScript sources, which do not compile under this project's settings (they are CommonJS
// to TypeScript, with ESM syntax); the runtime file is imported directly and typed with the
// main entry's published declarations, which are the same API.
declare module '@stripe/connect-js/dist/pure.esm.js' {
  export * from '@stripe/connect-js';
}
