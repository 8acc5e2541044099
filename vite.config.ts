import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// The app server the dev server proxies to (`npm run dev` listens there by default).
const APP_SERVER = process.env.VITE_APP_SERVER ?? 'http://localhost:3000';
const STRIPE_SCRIPTS_MARKER = '<!-- stripe-scripts -->';

/**
 * In production the app server replaces the marker comment in index.html with the emulator's
 * connect.js / stripe.js tags (emulator mode only). The Vite dev server serves index.html
 * itself, so in dev this plugin asks the app server for its config and does the same; with the
 * app server down or in stripe mode it leaves the page alone and the official loaders fetch
 * Stripe's scripts.
 */
function stripeScriptsInDev(): Plugin {
  return {
    name: 'stripe-scripts-in-dev',
    apply: 'serve',
    async transformIndexHtml(html) {
      try {
        const response = await fetch(`${APP_SERVER}/api/config`);
        const config = (await response.json()) as { mode?: string; emulatorUrl?: string };
        if (config.mode !== 'emulator' || !config.emulatorUrl) return html;
        const tags = [`${config.emulatorUrl}/v1.0/connect.js`, `${config.emulatorUrl}/v3/stripe.js`]
          .map((src) => `<script src="${src}"></script>`)
          .join('\n    ');
        return html.replace(STRIPE_SCRIPTS_MARKER, tags);
      } catch {
        return html;
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./client', import.meta.url)),
  // Files in client/public (favicon) are copied as is.
  publicDir: 'public',
  plugins: [react(), stripeScriptsInDev()],
  // The client imports shared/ as '@shared/…' (tsconfig.json "paths" says the same to tsc).
  resolve: { alias: { '@shared': fileURLToPath(new URL('./shared', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // The first page must stay small (target < 150 KB gzipped); Vite reports anything larger.
    chunkSizeWarningLimit: 400,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      // The app server checks that state-changing requests come from PUBLIC_URL; the proxy
      // presents them as coming from the app server's own origin.
      '/api': { target: APP_SERVER, headers: { origin: APP_SERVER } },
      '/healthz': { target: APP_SERVER },
    },
  },
  preview: { port: 4173 },
});
