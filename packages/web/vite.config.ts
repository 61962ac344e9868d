import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The monitor serves dist/ at / (packages/monitor/src/api/static.ts); `npm run dev` proxies the API to a running monitor.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': { target: process.env.ETCD_MONITOR_URL ?? 'http://127.0.0.1:8390', changeOrigin: false } },
  },
});
