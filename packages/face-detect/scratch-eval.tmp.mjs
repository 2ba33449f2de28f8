import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
const require = createRequire(import.meta.url);
const tf = await import("@tensorflow/tfjs-core");
await import(require.resolve("../cnn/node_modules/@tensorflow/tfjs-backend-wasm"));
await tf.setBackend("wasm"); await tf.ready();
const { createDetector } = await import("./dist/index.js");
const { evaluateDetector } = await import("./dist/evaluate.js");
const { parseWiderFaceAnnotations } = await import("./dist/widerface.js");
const { formatEvaluationTable } = await import("./dist/cli.js").catch(() => ({}));
const { decodeImage } = await import("@fer/preprocess/node");
const W = "/work/shared/datasets/widerface-val-sample";
const limit = Number(process.argv[3] ?? 100);
const ann = parseWiderFaceAnnotations(fs.readFileSync(W + "/wider_face_val_bbx_gt.txt", "utf8")).slice(0, limit);
const rows = [];
for (const spec of process.argv[2].split(",")) {
  const [name, json] = spec.split(":");
  const d = await createDetector(name, json ? JSON.parse(Buffer.from(json, "base64url").toString()) : undefined);
  const r = await evaluateDetector(d, ann, (f) => decodeImage(path.join(W, "images", f)));
  r.detector = spec.includes(":") ? name + " " + Buffer.from(json, "base64url").toString() : name;
  console.log(JSON.stringify(r));
  rows.push(r);
  d.dispose();
}
console.log(tf.memory().numTensors);
