// The same test configuration as @fer/pipeline's, global setup included (test/helpers.ts says what is shared).
export { default } from "../pipeline/vitest.config.js";
