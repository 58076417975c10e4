// The console builds to static files (dist/) that the server serves at `/`: relative asset
// paths, no source maps of the client's source, nothing loaded from elsewhere at run time.
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/',
  root: 'src',
  publicDir: false,
  resolve: { conditions: ['browser'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    chunkSizeWarningLimit: 800,
  },
})
