import { readdirSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FerDatasetError, FerImageError, loadFolderDataset } from "../src/node/index.js";
import { ferFiles, ferTest } from "./helpers.js";

/**
 * Runs `fn` with the permissions of an ordinary user. Root reads any folder whatever its mode, so when the tests run
 * as root the effective user (and group) become `nobody` for the call and root again after (a process whose real user
 * is root may switch back); vitest runs this file in a forked process (pool "forks"), where `seteuid` exists.
 * Undefined when neither is possible (not root and no chmod, or root without seteuid): those tests are skipped.
 */
const asOrdinaryUser: (<T>(fn: () => Promise<T>) => Promise<T>) | undefined = (() => {
  if (process.getuid === undefined) return undefined; // Windows: no POSIX modes
  if (process.getuid() !== 0) return (fn) => fn();
  const { seteuid, setegid } = process;
  if (seteuid === undefined || setegid === undefined) return undefined;
  return async (fn) => {
    setegid(65534);
    seteuid(65534);
    try {
      return await fn();
    } finally {
      seteuid(0);
      setegid(0);
    }
  };
})();

let tmp: string;
let root: string;
const real = ferFiles(ferTest, 3);
const byClass = (cls: string) => real.filter((f) => f.includes(`/${cls}/`));

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "fer-unreadable-"));
  root = path.join(tmp, "data");
  for (const cls of ["angry", "happy", "sad"]) {
    await mkdir(path.join(root, cls), { recursive: true });
    for (const f of byClass(cls)) await copyFile(f, path.join(root, cls, path.basename(f)));
  }
  await chmod(tmp, 0o755); // mkdtemp makes it 0700: nobody could not even enter it
});

afterAll(async () => {
  await chmod(path.join(root, "happy"), 0o755).catch(() => undefined);
  await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(asOrdinaryUser === undefined)("loadFolderDataset with parts it cannot read", () => {
  it("skips an unreadable class folder and an unreadable image, each reported with its path and cause, and loads the rest", async () => {
    const locked = path.join(root, "happy");
    const lockedImage = path.join(root, "sad", path.basename(byClass("sad")[0]!));
    await chmod(locked, 0o000);
    await chmod(lockedImage, 0o000);
    try {
      const { dataset, problems } = await asOrdinaryUser!(async () => {
        // The folder really is unreadable for this user (else the test would prove nothing).
        expect(() => readdirSync(locked)).toThrow(/EACCES/);
        return loadFolderDataset(root, { cache: false });
      });
      expect(dataset.classes).toEqual(["angry", "sad"]);
      expect(dataset.count).toBe(byClass("angry").length + byClass("sad").length - 1);
      expect(dataset.ids.every((id) => !id.startsWith("happy/"))).toBe(true);
      expect(problems.map((p) => p.file)).toEqual([locked, lockedImage]);
      expect(problems[0]!.error).toBeInstanceOf(FerDatasetError);
      expect((problems[0]!.error as FerDatasetError).kind).toBe("unreadable-folder");
      expect(problems[0]!.error.message).toBe(`${locked}: cannot read folder (EACCES; its images are skipped)`);
      expect(problems[1]!.error).toBeInstanceOf(FerImageError);
      expect((problems[1]!.error as FerImageError).kind).toBe("unreadable-file");
      expect(problems[1]!.error.message).toBe(`${lockedImage}: cannot read file (EACCES)`);
    } finally {
      await chmod(locked, 0o755);
      await chmod(lockedImage, 0o644);
    }
  });

  it("throws a typed error naming every folder when no class folder can be read", async () => {
    const only = path.join(tmp, "only-locked");
    await mkdir(path.join(only, "angry"), { recursive: true });
    await chmod(path.join(only, "angry"), 0o000);
    try {
      const e = await asOrdinaryUser!(() => loadFolderDataset(only, { cache: false }).catch((err: unknown) => err));
      expect(e).toBeInstanceOf(FerDatasetError);
      expect((e as FerDatasetError).kind).toBe("empty-dataset");
      expect((e as Error).message).toContain(`none of its class folders can be read: ${path.join(only, "angry")}: cannot read folder (EACCES`);
    } finally {
      await chmod(path.join(only, "angry"), 0o755);
    }
  });
});
