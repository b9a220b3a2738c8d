import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The dev server forwards API traffic to a running Lumina server (npm start), so the web app
// and the API share one origin in development just as they do in production.
const apiTarget = `http://127.0.0.1:${process.env.LUMINA_API_PORT ?? 8080}`;

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    // 'lumina-source' lets Vite compile @lumina/sdk from src/ without building it first.
    conditions: ['lumina-source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: true },
      '/health': { target: apiTarget, changeOrigin: true },
      '/metrics': { target: apiTarget, changeOrigin: true },
      '/ws': { target: apiTarget, changeOrigin: true, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
});
