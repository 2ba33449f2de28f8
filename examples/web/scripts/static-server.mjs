// A small static server on 127.0.0.1 (random port) for the built page: folders mounted at URL prefixes, with the
// cross-origin-isolation headers (COOP/COEP) that threads need. Used by the Playwright test and the benchmark.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".onnx": "application/octet-stream",
  ".gz": "application/gzip",
  ".jpg": "image/jpeg",
  ".png": "image/png",
  ".css": "text/css",
};

/**
 * Starts the server. `mounts`: [URL prefix, folder] pairs, first match wins. Resolves to `{ url, close }`.
 * @param {readonly [string, string][]} mounts
 * @returns {Promise<{ url: string; close: () => Promise<void> }>}
 */
export function startStaticServer(mounts) {
  const server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    for (const [prefix, dir] of mounts) {
      if (!url.startsWith(prefix)) continue;
      const root = path.resolve(dir);
      let file = path.join(root, url.slice(prefix.length));
      if (!file.startsWith(root)) break;
      try {
        if (statSync(file).isDirectory()) file = path.join(file, "index.html");
        statSync(file);
      } catch {
        continue;
      }
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
        "cross-origin-resource-policy": "same-origin",
      });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404).end("not found");
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
