/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

// alerts-service listens here in development (ALERTS_LISTEN); the dev server forwards the API,
// the emailed sign-in link and the unsubscribe link to it so cookies stay first-party.
const backend = process.env.ALERTS_URL ?? 'http://127.0.0.1:8080';

const forward: ProxyOptions = {
  target: backend,
  changeOrigin: false,
  // alerts-service refuses writes whose Origin is not its PUBLIC_URL (CSRF). A request the
  // dashboard makes to the dev server itself is same-origin, so it is presented as coming from
  // the backend's origin; any other Origin passes through unchanged and is refused as before.
  configure: (proxy) => {
    proxy.on('proxyReq', (proxyReq, req) => {
      const origin = req.headers.origin;
      if (origin && req.headers.host && new URL(origin).host === req.headers.host) {
        proxyReq.setHeader('origin', new URL(backend).origin);
      }
    });
  },
};
const proxy = Object.fromEntries(['/api', '/auth', '/unsubscribe'].map((path) => [path, forward]));

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup-tests.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    testTimeout: 15_000,
  },
});
