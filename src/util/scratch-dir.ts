import { makeFolders } from './make-folders.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { removeOnCleanup } from './cleanup.js';
import { openStreamWriter, type StreamWriter } from './stream-writer.js';

/**
 * A folder for a writer's intermediate files (parts of a JSON document that can only be
 * assembled at the end), so that nothing waits in memory. Ctrl-C removes it with the
 * other cleanups; `remove` deletes it on finish or abort.
 */
export interface ScratchDir {
  path: string;
  /** Opens a file in the folder for streamed writing; `append` keeps what it holds. */
  open(name: string, append?: boolean): StreamWriter;
  remove(): Promise<void>;
}

/** Creates the folder and registers its removal. */
export async function createScratchDir(folder: string): Promise<ScratchDir> {
  makeFolders(folder);
  const unregister = removeOnCleanup(folder);
  return {
    path: folder,
    open: (name, append = false) => openStreamWriter(append ? createWriteStream(path.join(folder, name), { flags: 'a' }) : path.join(folder, name)),
    async remove() {
      await rm(folder, { recursive: true, force: true });
      unregister();
    },
  };
}

/** Copies a file into a writer chunk by chunk, waiting for back-pressure. @throws the read or write error */
export async function copyFileInto(writer: StreamWriter, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) await writer.write(chunk as Buffer);
}

/** The lines of a file, read as a stream. */
export async function* readLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line) yield line;
}
