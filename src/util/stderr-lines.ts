/**
 * stderr is shared by one live status line (the progress bar, redrawn in place) and whole
 * lines (notices, --verbose output of ffmpeg and onnxruntime, errors). Whole lines go
 * through here so the status line is wiped first and never mixes with them; the bar
 * draws itself again below on its next update.
 */
interface StatusLine {
  /** Wipes the status line so the cursor is at the start of an empty line. */
  clear(): void;
  /** Wipes it and stops it for good. */
  stop(): void;
}

let current: StatusLine | undefined;

/** Makes `line` the live status line; returns a function that retires it. */
export function setStatusLine(line: StatusLine): () => void {
  current = line;
  return () => {
    if (current === line) current = undefined;
  };
}

/** Writes text made of whole lines to stderr, below a wiped status line. */
export function writeStderrLines(text: string): void {
  current?.clear();
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

let retired = false;

/** Retires the status line for good (on a signal): nothing may redraw it after the last words. */
export function retireStatusLine(): void {
  current?.stop();
  current = undefined;
  retired = true;
}

/** Whether the last words were said: progress reports (JSON lines too) stop. */
export function isStatusRetired(): boolean {
  return retired;
}

/** Whole lines out of a text stream's chunks. */
export interface LineSplitter {
  /** Takes the next chunk; calls `onLine` for each line it completes. */
  push(text: string): void;
  /** The stream ended: a last line without its newline is still a line. */
  end(): void;
}

/**
 * Joins a child's output chunks into whole lines: a pipe hands text over in chunks that
 * may end mid-line, and taking each chunk's pieces as lines printed one line in two under
 * `--verbose` and could make an error message of half of ffmpeg's last line. Decode the
 * stream as UTF-8 first (`setEncoding`) so a character is never cut either.
 */
export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  let partial = '';
  return {
    push(text) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    end() {
      if (partial) onLine(partial);
      partial = '';
    },
  };
}
