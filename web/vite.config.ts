// The dashboard's build: one ES module entry (src/main.ts) and its lazily loaded chunks,
// hashed, with a manifest Flask reads to link them (app/shopify/dashboard_assets.py).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/app-assets/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    target: "es2022",
    sourcemap: false,
    rollupOptions: { input: "src/main.ts" },
  },
});
