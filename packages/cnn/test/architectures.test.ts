import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { ARCHITECTURES, ARCHITECTURE_SPECS, buildModel } from "../src/architectures.js";

const STUDY_PARAMETERS = { A: 392_263, B: 779_783, C: 918_119, D: 918_119, E: 918_119, F: 779_783, G: 918_119 } as const;

describe("the study's architectures", () => {
  for (const arch of ARCHITECTURES) {
    it(`${arch} has the study's parameter count and layout`, async () => {
      await tf.setBackend("cpu");
      const model = buildModel(arch);
      expect(model.countParams()).toBe(STUDY_PARAMETERS[arch]);
      const spec = ARCHITECTURE_SPECS[arch];
      const convs = model.layers.filter((l) => l.getClassName() === "Conv2D");
      expect(convs.length).toBe(spec.convsPerBlock.reduce((a, b) => a + b, 0));
      const pools = model.layers.filter((l) => /Pooling2D$/.test(l.getClassName())).map((l) => l.getClassName());
      expect(pools).toEqual(spec.pooling.map((p) => (p === "max" ? "MaxPooling2D" : "AveragePooling2D")));
      const last = model.layers[model.layers.length - 1]!;
      expect((last.getConfig() as { activation: string }).activation).toBe(spec.output === "softmax" ? "softmax" : "linear");
      expect(model.outputs[0]!.shape).toEqual([null, 7]);
      model.dispose();
    });
  }

  it("F's dense layers are the study's layers 13 and 14 (counting from 0, input excluded)", () => {
    const model = buildModel("F");
    const names = model.layers.filter((l) => l.getClassName() !== "InputLayer").map((l) => l.name);
    expect(names[13]).toBe("dense1");
    expect(names[14]).toBe("dense2");
    model.dispose();
  });
});
