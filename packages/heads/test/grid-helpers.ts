export { expandGrid, formatGridTable, gridSearch } from "../src/selection/grid-search.js";
export { stratifiedKFold } from "../src/selection/stratified.js";
export type { ProgressSink as ProgressSinkLike } from "../src/core/progress.js";
