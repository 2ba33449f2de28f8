import { execFile, execFileSync, spawn } from "node:child_process";
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

/**
 * Runs the built `fer` command and sends it `signal` (once) as soon as its stderr so far matches `when`; resolves when
 * the process ends, with its exit code, its output and whether the signal was sent.
 */
export function ferSignalledWhen(
  args: string[],
  signal: NodeJS.Signals,
  when: RegExp,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string; sent: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ferBin, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on("close", (code) => resolve({ code, stdout, stderr, sent }));
  });
}
