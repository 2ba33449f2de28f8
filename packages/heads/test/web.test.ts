// @fer/heads/web: the shipped fast head (a calibrated random forest) restored by the browser entry predicts exactly as
// RandomForestHead does in Node; SVM heads and forest training throw HeadError "node-only".
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { headFromJSON, predictProbaAveraged } from "../src/index.js";
import { HeadError, webHeadFromJSON, WebRandomForestHead } from "../src/web.js";

const models = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../pipeline/models");
const readHead = (name: string): unknown => JSON.parse(gunzipSync(readFileSync(path.join(models, name))).toString("utf8"));

describe("@fer/heads/web", () => {
  it("restores the shipped fast head with its calibration and predicts as RandomForestHead in Node", async () => {
    const json = readHead("fast-head.json.gz");
    const web = webHeadFromJSON(json);
    const node = await headFromJSON(json);
    expect(web).toBeInstanceOf(WebRandomForestHead);
    expect(web.calibration?.method).toBe("temperature");
    expect(web.classes).toEqual(node.classes);
    const dim = node.dim as number;
    // Deterministic feature rows spread over the CNN's ReLU range.
    const rows = 5;
    const data = Float32Array.from({ length: rows * dim }, (_, i) => ((i * 7919) % 1000) / 250);
    const mirrored = Float32Array.from(data).reverse();
    const x = { rows, cols: dim, data };
    expect(web.predictProba(x)).toEqual(node.predictProba(x));
    const views = [x, { rows, cols: dim, data: mirrored }];
    expect(predictProbaAveraged(web, views)).toEqual(predictProbaAveraged(node, views));
    await expect(web.fit([[1]], [0])).rejects.toMatchObject({ name: "HeadError", kind: "node-only" });
  });

  it("refuses SVM heads with a node-only HeadError", () => {
    const json = readHead("accurate-head.json.gz");
    expect(() => webHeadFromJSON(json)).toThrow(HeadError);
    expect(() => webHeadFromJSON(json)).toThrow(/need libsvm-js.*use them in Node/);
    try {
      webHeadFromJSON(json);
    } catch (e) {
      expect((e as HeadError).kind).toBe("node-only");
    }
  });
});
