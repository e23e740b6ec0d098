import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `n` lines of a log file (at most its last 16 KiB), each cut to 500 characters;
 * empty when the file cannot be read. For reports of a process that keeps dying.
 */
export function lastLines(file: string, n: number): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n');
    // The first line may be cut by the window; the last is empty after a final newline.
    if (length < size) lines.shift();
    return lines
      .filter((l) => l.trim() !== '')
      .slice(-n)
      .map((l) => (l.length > 500 ? `${l.slice(0, 500)}…` : l));
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
