#!/usr/bin/env node
// An ffprobe stand-in for a machine that has ffmpeg but no ffprobe and cannot download one
// (the lent GPU machine of test/bench/gpu-lease.sh, where the working tree travels under a size
// limit that the two static binaries together exceed). Probing happens once per run, before
// any frame is decoded; decoding and encoding stay the real ffmpeg's.
//   FFPROBE_RECORD=answers.json FFPROBE_REAL=/path/to/ffprobe  record what the real one prints
//   FFPROBE_REPLAY=answers.json                                  print the recorded answer
// Existing files among the arguments are keyed by their base name, so a video made on the
// other machine by the same ffmpeg with the same arguments finds its answer.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const key = args.map((arg) => (path.isAbsolute(arg) && existsSync(arg) ? path.basename(arg) : arg)).join(' ');
const store = process.env.FFPROBE_RECORD ?? process.env.FFPROBE_REPLAY;
if (!store) {
  process.stderr.write('ffprobe-replay: set FFPROBE_RECORD (with FFPROBE_REAL) or FFPROBE_REPLAY\n');
  process.exit(2);
}
const answers = existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : {};
if (process.env.FFPROBE_RECORD) {
  const stdout = execFileSync(process.env.FFPROBE_REAL, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  answers[key] = stdout;
  writeFileSync(store, JSON.stringify(answers, null, 1));
  process.stdout.write(stdout);
} else if (key in answers) {
  process.stdout.write(answers[key]);
} else {
  process.stderr.write(`ffprobe-replay: nothing recorded for: ${key}\n`);
  process.exit(1);
}
