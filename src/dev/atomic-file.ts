import { renameSync, writeFileSync } from 'node:fs';

/**
 * Replaces a file whole. `cluster.json` is rewritten on every service restart while others read it (a
 * test, a script, the next `npm run cluster`); written in place, a reader could find it empty or cut
 * off. A rename within one folder is atomic, so a reader sees the old text or the new, never a part.
 */
export function writeAtomically(fileName: string, text: string): void {
  const partial = `${fileName}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, fileName);
}
