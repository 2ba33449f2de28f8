export { pseudoRandom, testWeightValue, writeSyntheticKerasH5 as writeKerasH5, writeLayersFolder, type WriteKerasH5Options } from "../../src/bench/synthetic-h5.js";
