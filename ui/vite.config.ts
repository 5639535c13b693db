import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

// Two pages: the main window and the small incoming-call window. Relative asset paths so the
// same build loads from Tauri's custom protocol and from a static server in the browser tests.
export default defineConfig({
  base: "./",
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        incoming: resolve(import.meta.dirname, "incoming.html"),
      },
    },
  },
  test: {
    environment: "happy-dom",
    globals: true,
    include: ["src/**/*.test.ts"],
  },
});
