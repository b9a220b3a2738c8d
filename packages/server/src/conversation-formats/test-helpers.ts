import fs from 'node:fs';
import type { PlannedMessage } from './plan-import.js';

/** A fixture file next to these tests; fails loudly when it is missing. */
export function readFixture(name: string): Buffer {
  const url = new URL(`./fixtures/${name}`, import.meta.url);
  if (!fs.existsSync(url)) throw new Error(`missing test fixture ${url.pathname}`);
  return fs.readFileSync(url);
}

/** The path from the root to `leafId`, root first. */
export function branchOf<T extends Pick<PlannedMessage, 'id' | 'parentId'>>(
  messages: T[],
  leafId: string,
): T[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const path: T[] = [];
  for (let m = byId.get(leafId); m; m = m.parentId ? byId.get(m.parentId) : undefined) path.push(m);
  return path.reverse();
}
