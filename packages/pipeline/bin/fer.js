#!/usr/bin/env node
// Moved: the `fer` command is now @fer/cli (packages/cli/bin/fer.js). This forwarding file keeps
// `node packages/pipeline/bin/fer.js ...` working inside the repository; it is not shipped with @fer/pipeline.
await import("../../cli/bin/fer.js");
