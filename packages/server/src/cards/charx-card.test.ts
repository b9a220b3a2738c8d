import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deeplyNestedJson } from '../test-support/hostile-inputs.js';
import { readCharx, unsafePathReason, writeCharx } from './charx-card.js';
import { DecompressionBudget } from './decompression-budget.js';
import { parseCard } from './normalize-card.js';

interface RawEntry {
  name: string;
  data: Buffer;
  /** What the headers claim the entry inflates to; the truth by default. */
  declaredSize?: number;
  unixMode?: number;
  stored?: boolean;
  /** Overrides the compression method written in the headers. */
  method?: number;
  /** Extra general-purpose flag bits (bit 0: encrypted). */
  flags?: number;
}

/**
 * A minimal zip writer, so the tests can build archives no honest zip library would write:
 * traversal names, symlinks, headers that lie about sizes.
 */
function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const body = entry.stored ? entry.data : deflateRawSync(entry.data, { level: 9 });
    const method = entry.method ?? (entry.stored ? 0 : 8);
    const size = entry.declaredSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800 | (entry.flags ?? 0), 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(entry.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x800 | (entry.flags ?? 0), 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(crc32(entry.data), 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE((entry.unixMode ?? 0o100644) * 0x10000, 38);
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(header, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

const cardJson = Buffer.from(
  JSON.stringify({
    spec: 'chara_card_v3',
    spec_version: '3.0',
    data: { name: 'Zed', group_only_greetings: [] },
  }),
);

describe('readCharx / writeCharx', () => {
  it('round-trips a card and its assets', async () => {
    const { card } = parseCard({
      spec: 'chara_card_v3',
      spec_version: '3.0',
      data: {
        name: 'Zed',
        extensions: { lumina: { any: ['thing'] } },
        assets: [{ type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' }],
      },
    });
    const assets = [
      { path: 'assets/icon/images/main.png', bytes: Buffer.from([0x89, 0x50, 1, 2, 3]) },
      { path: 'assets/other/notes.txt', bytes: Buffer.from('x'.repeat(10_000)) },
      { path: 'x_app_data.json', bytes: Buffer.from('{"app":true}') },
    ];
    const result = await readCharx(await writeCharx(card, assets));
    expect(result.card).toEqual(card);
    expect(result.sourceSpec).toBe('v3');
    expect(result.assets).toEqual(assets);
  });

  it('reads an archive with a directory entry', async () => {
    const zip = rawZip([
      { name: 'assets/', data: Buffer.alloc(0), unixMode: 0o40755, stored: true },
      { name: 'card.json', data: cardJson },
    ]);
    expect((await readCharx(zip)).card.data.name).toBe('Zed');
  });

  it.each([
    ['../evil', 'parent directory (..) in the path'],
    ['assets/../../evil', 'parent directory (..) in the path'],
    ['/etc/passwd', 'absolute path'],
    ['C:/Windows/evil.dll', 'absolute path'],
    ['assets\\..\\evil', 'backslash in the name'],
  ])('rejects the entry %s with charx_unsafe_path', async (name, reason) => {
    const zip = rawZip([
      { name: 'card.json', data: cardJson },
      { name, data: Buffer.from('evil') },
    ]);
    await expect(readCharx(zip)).rejects.toMatchObject({
      code: 'charx_unsafe_path',
      status: 400,
      details: { path: name, reason },
    });
  });

  it('rejects a symbolic link entry', async () => {
    const zip = rawZip([
      { name: 'card.json', data: cardJson },
      { name: 'assets/link', data: Buffer.from('/etc/passwd'), unixMode: 0o120777, stored: true },
    ]);
    await expect(readCharx(zip)).rejects.toMatchObject({
      code: 'charx_unsafe_path',
      details: { reason: 'symbolic links are not allowed' },
    });
  });

  it('stops a zip bomb while inflating, long before it reaches its real size', async () => {
    const payload = Buffer.alloc(1024 * 1024); // 1 MiB of zeros deflates to about 1 KB
    const zip = rawZip([
      { name: 'card.json', data: cardJson },
      { name: 'assets/bomb.bin', data: payload, declaredSize: 100 },
    ]);
    expect(zip.length).toBeLessThan(2048);
    const error = await readCharx(zip).catch((err: unknown) => err);
    expect(error).toMatchObject({
      code: 'charx_too_large',
      status: 413,
      details: { path: 'assets/bomb.bin' },
    });
    const inflated = (error as { details: { inflatedBytes: number } }).details.inflatedBytes;
    expect(inflated).toBeGreaterThan(100);
    expect(inflated).toBeLessThanOrEqual(64 * 1024);
  });

  it('rejects an honest archive larger than the total limit before inflating it', async () => {
    const zip = rawZip([
      { name: 'card.json', data: cardJson },
      { name: 'assets/big.bin', data: Buffer.alloc(1024 * 1024) },
    ]);
    await expect(readCharx(zip, { maxTotalBytes: 512 * 1024 })).rejects.toMatchObject({
      code: 'charx_too_large',
      details: { declaredBytes: 1024 * 1024, limitBytes: 512 * 1024 },
    });
  });

  it('rejects an entry compressed past the ratio limit', async () => {
    const zip = rawZip([
      { name: 'card.json', data: cardJson },
      { name: 'assets/zeros.bin', data: Buffer.alloc(2 * 1024 * 1024) },
    ]);
    await expect(readCharx(zip)).rejects.toMatchObject({
      code: 'charx_too_large',
      details: { limitRatio: 200 },
    });
  });

  it('rejects an archive with too many entries', async () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({
      name: `assets/${i}.txt`,
      data: Buffer.from('x'),
    }));
    await expect(readCharx(rawZip(entries), { maxEntries: 5 })).rejects.toMatchObject({
      code: 'charx_too_large',
      details: { entries: 6, limit: 5 },
    });
  });

  it('refuses many modest entries whose whole archive is compressed past 100:1, before inflating any', async () => {
    // Each 512 KiB entry is under the per-entry ratio check (1 MiB); together they are 32 MiB
    // declared from about 40 KB of archive.
    const entries = Array.from({ length: 64 }, (_, i) => ({
      name: `assets/zeros-${i}.bin`,
      data: Buffer.alloc(512 * 1024),
    }));
    const zip = rawZip([{ name: 'card.json', data: cardJson }, ...entries]);
    const budget = new DecompressionBudget();
    await expect(readCharx(zip, {}, budget)).rejects.toMatchObject({
      status: 413,
      code: 'charx_too_large',
      details: { declaredBytes: cardJson.length + 64 * 512 * 1024, limitArchiveRatio: 100 },
    });
    expect(budget.usedBytes).toBe(0);
  });

  it('refuses one entry declared past the per-entry cap', async () => {
    const zip = rawZip([
      { name: 'card.json', data: cardJson },
      { name: 'assets/big.bin', data: Buffer.alloc(300 * 1024) },
    ]);
    await expect(readCharx(zip, { maxEntryBytes: 256 * 1024 })).rejects.toMatchObject({
      code: 'charx_too_large',
      details: { path: 'assets/big.bin', limitEntryBytes: 256 * 1024 },
    });
  });

  it('counts the bytes it really inflates against the request budget, across archives', async () => {
    const honest = rawZip([
      { name: 'card.json', data: cardJson },
      { name: 'assets/a.bin', data: Buffer.alloc(600 * 1024) },
    ]);
    const budget = new DecompressionBudget(1024 * 1024);
    await readCharx(honest, {}, budget);
    expect(budget.usedBytes).toBe(cardJson.length + 600 * 1024);
    await expect(readCharx(honest, {}, budget)).rejects.toMatchObject({
      status: 413,
      code: 'import_budget_exceeded',
      details: { limitBytes: 1024 * 1024 },
    });

    // Headers that lie: what was inflated before the lie was caught is spent all the same.
    const liar = rawZip([
      { name: 'card.json', data: cardJson },
      { name: 'assets/bomb.bin', data: Buffer.alloc(1024 * 1024), declaredSize: 100 },
    ]);
    const fresh = new DecompressionBudget(1024 * 1024);
    await expect(readCharx(liar, {}, fresh)).rejects.toMatchObject({ code: 'charx_too_large' });
    expect(fresh.usedBytes).toBeGreaterThan(cardJson.length + 100);
  });

  it('refuses a card.json nested 10,000 levels deep before parsing it', async () => {
    const zip = rawZip([{ name: 'card.json', data: Buffer.from(deeplyNestedJson(10_000)) }]);
    await expect(readCharx(zip)).rejects.toMatchObject({ status: 400, code: 'json_too_deep' });
  });

  it.each([
    ['without card.json', rawZip([{ name: 'assets/a.txt', data: Buffer.from('a') }]), 'card_not_found'],
    [
      'whose card.json is not JSON',
      rawZip([{ name: 'card.json', data: Buffer.from('{nope') }]),
      'card_not_json',
    ],
    ['that is not a zip', Buffer.from('PK\x03\x04 and then garbage'), 'charx_invalid'],
    ['with an encrypted entry', rawZip([{ name: 'card.json', data: cardJson, flags: 1 }]), 'charx_invalid'],
    [
      'with an unknown compression',
      rawZip([{ name: 'card.json', data: cardJson, method: 99 }]),
      'charx_invalid',
    ],
    [
      'with a duplicate entry',
      rawZip([
        { name: 'card.json', data: cardJson },
        { name: 'card.json', data: cardJson },
      ]),
      'charx_invalid',
    ],
  ])('rejects an archive %s', async (_label, zip, code) => {
    await expect(readCharx(zip)).rejects.toMatchObject({ code });
  });

  it('refuses to write an unsafe asset path', async () => {
    const { card } = parseCard(JSON.parse(cardJson.toString()));
    await expect(writeCharx(card, [{ path: '../evil', bytes: Buffer.from('x') }])).rejects.toMatchObject({
      code: 'charx_unsafe_path',
    });
  });

  it('accepts ordinary nested paths', () => {
    expect(unsafePathReason('assets/icon/images/main.png')).toBeUndefined();
    expect(unsafePathReason('assets/..hidden/file')).toBeUndefined();
  });
});
