import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Two pages: the main window and the small incoming-call window. Relative asset paths so the
// same build loads from Tauri's custom protocol and from a static server in the browser tests.
// Vite 6 (not 8) so the UI builds with the Node.js 18 of Debian 12 and Ubuntu 24.04.
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
        main: fileURLToPath(new URL("index.html", import.meta.url)),
        incoming: fileURLToPath(new URL("incoming.html", import.meta.url)),
      },
    },
  },
  test: {
    environment: "happy-dom",
    globals: true,
    include: ["src/**/*.test.ts"],
  },
});
