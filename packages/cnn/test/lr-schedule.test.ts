import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePlateauSchedule, plateauStep } from "../src/lr-schedule.js";
import { setOptimizerLearningRate } from "../src/optimizers.js";

describe("reduce the learning rate on a validation plateau", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("parses FACTOR,PATIENCE[,MIN] and refuses nonsense", () => {
    expect(parsePlateauSchedule("0.5,2,1e-5")).toEqual({ factor: 0.5, patience: 2, minLearningRate: 1e-5 });
    expect(parsePlateauSchedule("0.2, 3")).toEqual({ factor: 0.2, patience: 3, minLearningRate: 0 });
    for (const bad of ["0.5", "2,1", "0.5,0", "0.5,1.5", "a,b", "0.5,2,-1", "0.5,2,1,4"]) expect(() => parsePlateauSchedule(bad)).toThrow(RangeError);
  });

  it("lowers the rate after PATIENCE epochs without a better validation accuracy, counting again after each cut", () => {
    const schedule = { factor: 0.5, patience: 2, minLearningRate: 2e-4 };
    const validation = [0.3, 0.4, 0.4, 0.39, 0.41, 0.41, 0.41, 0.4, 0.4, 0.4, 0.4];
    let lr = 1e-3;
    let best = -1;
    let bestEpoch = 0;
    let lastReduction = 0;
    const rates: number[] = [];
    validation.forEach((v, i) => {
      const epoch = i + 1;
      if (v > best) [best, bestEpoch] = [v, epoch];
      const step = plateauStep(schedule, lr, { epoch, bestEpoch, lastReduction });
      if (step.reduced) lastReduction = epoch;
      lr = step.learningRate;
      rates.push(lr);
    });
    // Cuts after epochs 4 (best 2), 7 (best 5) and 9 (last cut 7), then the floor holds.
    expect(rates).toEqual([1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 2e-4, 2e-4, 2e-4]);
  });

  it("changes the step Adam takes from the next update on", () => {
    const step = (lr: number) => {
      const x = tf.variable(tf.scalar(0));
      const adam = tf.train.adam(1e-3);
      setOptimizerLearningRate(adam, lr);
      adam.applyGradients([{ name: x.name, tensor: tf.scalar(1) }]);
      const moved = Math.abs(x.dataSync()[0] as number);
      x.dispose();
      adam.dispose();
      return moved;
    };
    // Adam's first step moves by about the learning rate whatever the gradient's size.
    expect(step(0.1)).toBeCloseTo(0.1, 4);
    expect(step(0.01)).toBeCloseTo(0.01, 5);
  });
});
