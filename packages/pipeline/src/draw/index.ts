/**
 * `@fer/pipeline/draw`: the raster drawing the annotator uses (an RGB canvas with boxes, filled rectangles and a built-in
 * bitmap font), for tools that draw charts or contact sheets in the same style (`@fer/cli`'s reports).
 */
export { Canvas, type Rgb } from "./canvas.js";
export { textWidth, textHeight } from "./font.js";
