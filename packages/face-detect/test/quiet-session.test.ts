import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, test } from "vitest";

const entry = pathToFileURL(fileURLToPath(new URL("../dist/index.js", import.meta.url))).href;

test("creating the UltraFace detector (an ONNX file) prints nothing: onnxruntime logs errors only", () => {
  const source = `import { createDetector } from ${JSON.stringify(entry)};\nconst d = await createDetector("ultraface");\nd.dispose();\nconsole.log("created");\n`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8", timeout: 60_000 });
  expect(r.stdout).toContain("created");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});
