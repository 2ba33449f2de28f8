import path from "node:path";
import { encodeImage, writeFilesAtomically } from "@fer/preprocess/node";
import type { EvaluationResult } from "@fer/pipeline";
import { drawConfusionHeatmap, drawCountsChart, drawReliabilityDiagram } from "./charts.js";

const f2 = (v: number) => v.toFixed(2);
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The study's per-class table: precision, recall, F1 and support per class, then the weighted average. */
export function perClassTable(r: EvaluationResult): string {
  const rows = r.classes.map((c) => {
    const m = r.perClass[c]!;
    return `| ${c} | ${f2(m.precision)} | ${f2(m.recall)} | ${f2(m.f1)} | ${m.support} |`;
  });
  const w = r.weighted;
  return [
    "| class | precision | recall | F1 | images |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows,
    `| **all classes (weighted)** | ${f2(w.precision)} | ${f2(w.recall)} | ${f2(w.f1)} | ${w.support} |`,
  ].join("\n");
}

/** The confusion matrix as a Markdown table (rows: actual, columns: predicted). */
export function confusionTable(r: EvaluationResult): string {
  return [
    `| actual \\ predicted | ${r.classes.join(" | ")} |`,
    `| --- | ${r.classes.map(() => "---:").join(" | ")} |`,
    ...r.classes.map((c, i) => `| **${c}** | ${r.confusion[i]!.join(" | ")} |`),
  ].join("\n");
}

/** The FER+ section of the report (empty without votes): the crowd's yardsticks beside FER2013's label. */
export function ferPlusSection(r: EvaluationResult): string[] {
  const fp = r.ferplus;
  if (fp === null) return [];
  return [
    "## Against the FER+ crowd votes",
    "",
    `Votes: \`${fp.file}\` (${fp.matched} of the ${r.images} images have a row; ${fp.unmatched} do not).`,
    "",
    "| yardstick | value | images scored | images excluded |",
    "| --- | ---: | ---: | ---: |",
    `| accuracy against the FER2013 label | ${pct(r.accuracy)} | ${r.images} | 0 |`,
    `| accuracy against the FER+ majority | ${pct(fp.majorityAccuracy)} | ${fp.majorityScored} | ${fp.majorityExcluded} |`,
    `| mean of the two accuracies | ${pct((r.accuracy + fp.majorityAccuracy) / 2)} | | |`,
    `| cross-entropy against the crowd's distribution (nats) | ${fp.crossEntropy.toFixed(4)} | ${fp.crossEntropyScored} | ${fp.crossEntropyExcluded} |`,
    "",
    "The FER+ majority is FER+'s rule: a unique top vote over all ten columns (with contempt, unknown and not-a-face) that " +
      "is one of the 7 emotions; other images are excluded from that accuracy. The crowd's distribution keeps the votes for " +
      "the 7 emotions, renormalised; images with none are excluded from the cross-entropy.",
    "",
  ];
}

/** The calibration section of the report: ECE, mean confidence against accuracy, the reliability diagram and its bins. */
export function calibrationSection(r: EvaluationResult, chart: string): string[] {
  const c = r.calibration;
  return [
    "## Calibration",
    "",
    `Expected calibration error (top label, 15 equal-width confidence bins): **${pct(c.ece)}** (largest bin gap ${pct(c.maxGap)}); ` +
      `mean confidence ${pct(c.confidence)} against accuracy ${pct(c.accuracy)}${r.noFace.length > 0 ? " (images with a face found)" : ""}.`,
    "",
    `![reliability diagram](${chart})`,
    "",
    "| confidence | images | mean confidence | accuracy |",
    "| --- | ---: | ---: | ---: |",
    ...c.bins.filter((b) => b.count > 0).map((b) => `| ${b.lower.toFixed(2)}–${b.upper.toFixed(2)} | ${b.count} | ${pct(b.confidence)} | ${pct(b.accuracy)} |`),
    "",
  ];
}

/** The whole Markdown report of an evaluation (the charts are referenced as PNG files beside it). */
export function reportMarkdown(r: EvaluationResult, charts: { confusion: string; counts: string; reliability: string }, meta: { date: string; backend?: string }): string {
  const lines = [
    "# FER evaluation report",
    "",
    `- dataset: \`${r.dataset}\`${r.detect ? " (photos: largest detected face classified)" : " (face crops)"}`,
    `- models: preset ${r.models.preset}; detector ${r.models.detector}; featuriser ${r.models.featuriser}; head ${r.models.head}${r.models.mirrorAverage ? ", averaged with mirror images" : ""}`,
    `- date: ${meta.date}${meta.backend ? `; backend: ${meta.backend}` : ""}`,
    "",
    "## Summary",
    "",
    `| images | accuracy | top-2 accuracy | macro F1 | ECE | ms per face |${r.detect ? " no face found |" : ""}`,
    `| ---: | ---: | ---: | ---: | ---: | ---: |${r.detect ? " ---: |" : ""}`,
    `| ${r.images} | ${pct(r.accuracy)} | ${pct(r.top2Accuracy)} | ${f2(r.macroF1)} | ${pct(r.calibration.ece)} | ${r.msPerFace.toFixed(2)} |${r.detect ? ` ${r.noFace.length} |` : ""}`,
    "",
    ...ferPlusSection(r),
    ...calibrationSection(r, charts.reliability),
    "## Per class",
    "",
    perClassTable(r),
    "",
    "## Predicted vs actual images per class",
    "",
    `![images per class, actual vs predicted](${charts.counts})`,
    "",
    "## Confusion matrix",
    "",
    `![confusion matrix heatmap](${charts.confusion})`,
    "",
    confusionTable(r),
    "",
  ];
  if (r.noFace.length > 0) lines.push("## Images with no face found", "", ...r.noFace.map((f) => `- \`${f}\``), "");
  if (r.problems.length > 0) lines.push("## Unreadable files (skipped)", "", ...r.problems.map((p) => `- \`${p.file}\`: ${p.error}`), "");
  return lines.join("\n");
}

/**
 * Writes `report.md`, `confusion-matrix.png`, `class-counts.png` and `reliability.png` into `dir` (created if needed), each through a
 * temporary file and a rename (a failed or interrupted write leaves no half-written file); returns their paths.
 */
export async function writeReport(r: EvaluationResult, dir: string, meta: { date?: string; backend?: string } = {}): Promise<{ markdown: string; confusion: string; counts: string; reliability: string }> {
  const confusion = path.join(dir, "confusion-matrix.png");
  const counts = path.join(dir, "class-counts.png");
  const reliability = path.join(dir, "reliability.png");
  const markdown = path.join(dir, "report.md");
  const md = reportMarkdown(
    r,
    { confusion: "confusion-matrix.png", counts: "class-counts.png", reliability: "reliability.png" },
    { date: meta.date ?? new Date().toISOString().slice(0, 10), ...(meta.backend ? { backend: meta.backend } : {}) },
  );
  await writeFilesAtomically([
    { path: confusion, data: await encodeImage(drawConfusionHeatmap(r.classes, r.confusion), "png") },
    { path: counts, data: await encodeImage(drawCountsChart(r.classes, r.actualCounts, r.predictedCounts), "png") },
    { path: reliability, data: await encodeImage(drawReliabilityDiagram(r.calibration.bins, r.calibration.ece), "png") },
    { path: markdown, data: md },
  ]);
  return { markdown, confusion, counts, reliability };
}
