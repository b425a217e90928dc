// Vite configuration of the dashboard. `npx vite --config ui/vite.config.ts` serves it with hot
// reload, proxying the API to a Plugboard on 127.0.0.1:8080; ui/build.ts builds it for serving.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // No @vitejs/plugin-react: its current major needs Vite 8 (which needs npm 11); esbuild's own
  // JSX transform is all the build needs (no fast refresh in development, a full reload instead).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      // TanStack Query marks its modules "use client" for React Server Components; meaningless in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
  logLevel: 'warn',
});
