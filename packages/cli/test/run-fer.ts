import { execFile, execFileSync } from "node:child_process";
import path from "node:path";

/** The built `fer` command. */
export const ferBin = path.resolve(import.meta.dirname, "../bin/fer.js");

/**
 * A command prefix that runs a program as an unprivileged user, for tests of permission errors: none when the tests
 * already run as a normal user, `setpriv` to the `nobody` user when they run as root (root reads and writes anything),
 * undefined when neither works (those tests are skipped).
 */
export const unprivileged: readonly string[] | undefined = (() => {
  if (process.getuid?.() !== 0) return [];
  try {
    execFileSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "true"]);
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  } catch {
    return undefined;
  }
})();

/**
 * Mounts a small tmpfs at `dir` (a full disk for tests) when this process may (root with CAP_SYS_ADMIN); returns the
 * command that unmounts it, or undefined when mounting is not allowed (those tests are skipped).
 */
export function mountTinyDisk(dir: string, size: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return () => execFileSync("umount", [dir]);
  } catch {
    return undefined;
  }
}

/** Runs the built `fer` command (the package must be built); resolves with its exit code and output. */
export function fer(args: string[], options: { asUser?: readonly string[] | undefined } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...pre] = [...(options.asUser ?? []), process.execPath];
  return new Promise((resolve) => {
    execFile(cmd as string, [...pre, ferBin, ...args], { timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
