import { lstatSync, statSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "./options.js";

/** The output name chosen for one input, and why it differs from the plain `<name>.<ext>` when it does. */
export interface OutputName {
  readonly path: string;
  /** Set when the plain name was taken: `"<path> is an input"` or `"<path> is taken by the output of <file>"`. */
  readonly renamed?: string;
}

/** The `dev:ino` identity of a path (following links), or undefined when it cannot be stat'ed. */
function identity(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Where `fer analyze --out DIR` writes: picks a name per input that never is an input (by path or by file identity,
 * so `--out` may be the input folder) nor the output of another input of this run (`photo.png`, then `photo-2.png`,
 * ...). Files are written by the caller through a temporary file and a rename, which replaces a link at the name
 * instead of following it.
 */
export class OutputFolder {
  private readonly inputPaths: Set<string>;
  private readonly inputIds: Set<string>;
  /** Output name -> the input it was given to. */
  private readonly taken = new Map<string, string>();

  private constructor(
    /** The folder. */
    readonly dir: string,
    inputs: readonly string[],
    /** Set when the folder could not be created: every write is then refused with this message. */
    readonly error: string | undefined,
  ) {
    this.inputPaths = new Set(inputs.map((f) => path.resolve(f)));
    this.inputIds = new Set(inputs.map(identity).filter((id): id is string => id !== undefined));
  }

  /**
   * Checks `dir` before any work: an existing file that is not a folder is a usage error.
   * @throws {UsageError}
   */
  static async check(dir: string): Promise<void> {
    const st = await stat(dir).catch(() => undefined);
    if (st !== undefined && !st.isDirectory()) {
      throw new UsageError(`--out ${dir} is a file, not a folder: give a folder (it is created if missing), or move the file away`);
    }
  }

  /** Creates the folder (and its parents); a failure is kept in `error` (reported once by the caller), not thrown. */
  static async open(dir: string, inputs: readonly string[]): Promise<OutputFolder> {
    let error: string | undefined;
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      error = `cannot create --out ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    }
    return new OutputFolder(dir, inputs, error);
  }

  /** Whether `file` would write over an input: the same path, or an existing non-link entry that is an input file. */
  private isInput(file: string): boolean {
    if (this.inputPaths.has(path.resolve(file))) return true;
    try {
      if (lstatSync(file).isSymbolicLink()) return false; // a rename replaces the link, never its target
    } catch {
      return false;
    }
    const id = identity(file);
    return id !== undefined && this.inputIds.has(id);
  }

  /** The output path for `input`: `<dir>/<base>.<ext>`, else `<base>-2.<ext>`, ... (see the class comment). */
  nameFor(input: string, ext: string): OutputName {
    const base = path.basename(input, path.extname(input));
    const plain = path.join(this.dir, `${base}.${ext}`);
    let renamed: string | undefined;
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? plain : path.join(this.dir, `${base}-${i}.${ext}`);
      const owner = this.taken.get(candidate);
      const reason = owner !== undefined ? `${candidate} is taken by the output of ${owner}` : this.isInput(candidate) ? `${candidate} is an input` : undefined;
      if (reason === undefined) {
        this.taken.set(candidate, input);
        return renamed === undefined ? { path: candidate } : { path: candidate, renamed };
      }
      renamed ??= reason;
    }
  }
}
