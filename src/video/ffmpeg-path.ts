import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, chmodSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ExternalError } from '../errors.js';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where ffmpeg came from, for --verbose: the variable, the system PATH, or the npm package. */
  source: string;
  /** Where ffprobe came from, the same way: a crash of the npm-shipped one is said as such (probe.ts). */
  ffprobeSource: string;
}

type Tool = 'ffmpeg' | 'ffprobe';

const envNames: Record<Tool, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };
const npmPackages: Record<Tool, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(tool: Tool): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * An npm-shipped binary made executable where npm skipped the package's own `chmod u+x`
 * postinstall. One that this user may neither run nor chmod (another user's install, with no
 * execute bit for others) was said to be "not found" (a first-time user).
 * @throws ExternalError naming the file and the ways out
 */
export function makeRunnable(file: string, tool: Tool): string {
  if (isExecutable(file)) return file;
  try {
    chmodSync(file, 0o755);
  } catch {
    // Not its owner (EPERM), or a read-only disk: said below, whatever the cause.
  }
  if (isExecutable(file)) return file;
  throw new ExternalError(`${tool} ${file} exists but this user cannot run it; run chmod a+x ${file} as its owner (on a disk mounted noexec, install elsewhere), or set ${envNames[tool]} to an ${tool} this user can run`);
}

function findInNpmPackage(tool: Tool): string | undefined {
  let file: string;
  try {
    const require = createRequire(import.meta.url);
    ({ path: file } = require(npmPackages[tool]) as { path: string });
  } catch {
    return undefined;
  }
  return makeRunnable(file, tool);
}

function resolveTool(tool: Tool): { file: string; source: string } {
  const fromEnv = process.env[envNames[tool]];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new ExternalError(`${envNames[tool]}=${fromEnv} is not an executable file; fix the path or unset it`);
    }
    return { file: fromEnv, source: `$${envNames[tool]}` };
  }
  const onPath = findOnPath(tool);
  if (onPath) return { file: onPath, source: 'the system PATH' };
  const found = findInNpmPackage(tool);
  if (!found) {
    throw new ExternalError(
      `${tool} was not found: install it (apt-get install ffmpeg), set ${envNames[tool]}, or reinstall dino-track with npm ci`,
    );
  }
  return { file: found, source: `npm package ${npmPackages[tool]}` };
}

let cached: FfmpegBinaries | undefined;

/**
 * Resolves ffmpeg and ffprobe: $FFMPEG_PATH/$FFPROBE_PATH, else the system's, else the
 * binaries shipped in npm packages, so a fresh `npm ci` is enough.
 * @throws ExternalError when neither is available.
 */
export function getFfmpegBinaries(): FfmpegBinaries {
  if (!cached) {
    const ffmpeg = resolveTool('ffmpeg');
    const ffprobe = resolveTool('ffprobe');
    cached = { ffmpeg: ffmpeg.file, ffprobe: ffprobe.file, source: ffmpeg.source, ffprobeSource: ffprobe.source };
  }
  return cached;
}

let fpsModeOption: string | undefined;
let fpsModeAsking: Promise<void> | undefined;

/** Which option ffmpeg's version banner calls for (see getPassthroughArgs). */
function readFpsModeOption(banner: string): string {
  // Release builds say "ffmpeg version 5.1.6-0+deb12u1"; git builds "N-47683-g…" (treated as old).
  const major = Number(/^ffmpeg version n?(\d+)\./.exec(banner)?.[1] ?? 0);
  return major >= 5 ? '-fps_mode' : '-vsync';
}

/**
 * Asks ffmpeg its version in the background, so that getPassthroughArgs does not block:
 * run as a child beside the probe and the model's loading, instead of synchronously after
 * them (it took 0.1–0.2 s of a 224-line run's start-up, on the main thread). Never rejects.
 */
export function askFfmpegVersion(): Promise<void> {
  if (fpsModeOption !== undefined) return Promise.resolve();
  fpsModeAsking ??= new Promise<void>((resolve) => {
    let ffmpeg: string;
    try {
      ({ ffmpeg } = getFfmpegBinaries());
    } catch {
      resolve(); // reported where ffmpeg is first needed
      return;
    }
    execFile(ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 }, (error, banner) => {
      // An ffmpeg that cannot print its version fails properly at its first real use.
      fpsModeOption ??= readFpsModeOption(error ? '' : banner);
      resolve();
    });
  });
  return fpsModeAsking;
}

/**
 * The options that keep every frame with its own time: `-fps_mode passthrough` on ffmpeg 5
 * and later, `-vsync passthrough` on older ones (such as the npm-shipped 4.1), which newer
 * ffmpeg still takes but warns about. Asks ffmpeg synchronously unless askFfmpegVersion has.
 */
export function getPassthroughArgs(): string[] {
  if (fpsModeOption === undefined) {
    const { ffmpeg } = getFfmpegBinaries();
    let banner = '';
    try {
      banner = execFileSync(ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // An ffmpeg that cannot print its version fails properly at its first real use.
    }
    fpsModeOption = readFpsModeOption(banner);
  }
  return [fpsModeOption, 'passthrough'];
}
