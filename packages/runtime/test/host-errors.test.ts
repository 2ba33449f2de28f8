import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";

// The built entry, as an app would import it (turbo builds before testing).
const entry = pathToFileURL(fileURLToPath(new URL("../dist/index.js", import.meta.url))).href;

/** Runs an ES module in a fresh Node process that initialises `backend`, then runs `then`. */
function runApp(backend: string, then: string): { status: number | null; stderr: string } {
  const source = `import { initBackend } from ${JSON.stringify(entry)};\nawait initBackend({ backend: ${JSON.stringify(backend)} });\n${then}\n`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8", timeout: 60_000, env: { ...process.env, FER_WASM_THREADS: "1" } });
  return { status: r.status, stderr: r.stderr };
}

describe("the host process keeps its own error handling after initBackend", () => {
  test.each(["wasm", "cpu"])("an uncaught error of the app on %s exits with code 1 and the app's own error", (backend) => {
    const { status, stderr } = runApp(backend, `setTimeout(() => { throw new Error("app failure 4711"); }, 0);`);
    expect(stderr).toContain("app failure 4711");
    expect(stderr).not.toContain("tf-backend-wasm");
    expect(status).toBe(1);
  });

  test("an unhandled rejection of the app exits with code 1 and the app's own error", () => {
    const { status, stderr } = runApp("wasm", `Promise.reject(new Error("app rejection 4712"));`);
    expect(stderr).toContain("app rejection 4712");
    expect(stderr).not.toContain("tf-backend-wasm");
    expect(status).toBe(1);
  });

  test("an app's own uncaughtException handler still runs, alone", () => {
    const { status, stderr } = runApp(
      "wasm",
      `process.on("uncaughtException", (e) => { console.error("handled by the app: " + e.message); process.exit(3); });\nsetTimeout(() => { throw new Error("app failure 4713"); }, 0);`,
    );
    expect(stderr).toContain("handled by the app: app failure 4713");
    expect(status).toBe(3);
  });
});
