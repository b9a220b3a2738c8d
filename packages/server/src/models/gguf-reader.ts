import type { FileHandle } from 'node:fs/promises';

/** The four bytes every GGUF file starts with. */
export const GGUF_MAGIC = 'GGUF';

// Limits that no real model reaches; a header past them is corrupt or hostile, and reading on
// would allocate without bound.
const MAX_STRING_BYTES = 16 * 1024 * 1024;
const MAX_COUNT = 100_000_000;
const MAX_TENSOR_DIMS = 8;
const CHUNK_BYTES = 64 * 1024;

/** GGUF value types (ggml's `gguf_type`) and the byte size of the fixed-width ones. */
const FIXED_SIZES: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};
const STRING = 8;
const ARRAY = 9;

/**
 * Little-endian, buffered, forward-only reader over a GGUF file's header. Reads in 64 KiB
 * chunks so a vocabulary of 150k strings costs a few dozen reads, not 150k.
 *
 * @example
 * const reader = new GgufReader(await open(path, 'r'));
 * await reader.expectMagic();
 * const version = await reader.u32();
 */
export class GgufReader {
  private buffer = Buffer.alloc(0);
  private offset = 0;
  private filePosition = 0;

  constructor(private readonly handle: FileHandle) {}

  /** Offset in the file of the next byte to read. */
  get position(): number {
    return this.filePosition - (this.buffer.length - this.offset);
  }

  async expectMagic(): Promise<void> {
    await this.ensure(4);
    const magic = this.buffer.toString('latin1', this.offset, this.offset + 4);
    if (magic !== GGUF_MAGIC) throw new Error('Not a GGUF file (the magic bytes are not "GGUF")');
    this.offset += 4;
  }

  async u32(): Promise<number> {
    await this.ensure(4);
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  async u64(): Promise<number> {
    await this.ensure(8);
    const value = this.buffer.readBigUInt64LE(this.offset);
    this.offset += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('GGUF header value out of range');
    return Number(value);
  }

  /** A u64 count with a sanity bound, so a corrupt header fails fast instead of looping. */
  async count(what: string): Promise<number> {
    const value = await this.u64();
    if (value > MAX_COUNT) throw new Error(`Implausible GGUF ${what}: ${value}`);
    return value;
  }

  async string(): Promise<string> {
    const length = await this.u64();
    if (length > MAX_STRING_BYTES) throw new Error(`GGUF string too long (${length} bytes)`);
    await this.ensure(length);
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** Reads one scalar value of the given GGUF type (arrays are skipped with `skipArray`). */
  async value(type: number): Promise<unknown> {
    if (type === STRING) return this.string();
    const size = FIXED_SIZES[type];
    if (size === undefined) throw new Error(`Unknown GGUF value type ${type}`);
    await this.ensure(size);
    const at = this.offset;
    this.offset += size;
    switch (type) {
      case 0:
        return this.buffer.readUInt8(at);
      case 1:
        return this.buffer.readInt8(at);
      case 2:
        return this.buffer.readUInt16LE(at);
      case 3:
        return this.buffer.readInt16LE(at);
      case 4:
        return this.buffer.readUInt32LE(at);
      case 5:
        return this.buffer.readInt32LE(at);
      case 6:
        return this.buffer.readFloatLE(at);
      case 7:
        return this.buffer.readUInt8(at) !== 0;
      case 10:
        return Number(this.buffer.readBigUInt64LE(at));
      case 11:
        return Number(this.buffer.readBigInt64LE(at));
      default:
        return this.buffer.readDoubleLE(at);
    }
  }

  /** Skips an array value (type and count already follow the key) and returns its length. */
  async skipArray(): Promise<number> {
    const itemType = await this.u32();
    const length = await this.count('array length');
    if (itemType === STRING) {
      for (let i = 0; i < length; i++) await this.skip(await this.u64());
    } else if (itemType === ARRAY) {
      for (let i = 0; i < length; i++) await this.skipArray();
    } else {
      const size = FIXED_SIZES[itemType];
      if (size === undefined) throw new Error(`Unknown GGUF array item type ${itemType}`);
      await this.skip(size * length);
    }
    return length;
  }

  /** Reads one tensor descriptor and returns how many elements (parameters) it holds. */
  async tensorElementCount(): Promise<number> {
    await this.string();
    const dims = await this.u32();
    if (dims > MAX_TENSOR_DIMS) throw new Error(`Implausible GGUF tensor with ${dims} dimensions`);
    let elements = 1;
    for (let d = 0; d < dims; d++) elements *= await this.u64();
    await this.skip(4 + 8); // ggml type, data offset
    return elements;
  }

  private async skip(bytes: number): Promise<void> {
    const buffered = this.buffer.length - this.offset;
    if (bytes <= buffered) {
      this.offset += bytes;
      return;
    }
    this.filePosition += bytes - buffered;
    this.buffer = Buffer.alloc(0);
    this.offset = 0;
  }

  private async ensure(bytes: number): Promise<void> {
    const buffered = this.buffer.length - this.offset;
    if (buffered >= bytes) return;
    const chunk = Buffer.alloc(Math.max(CHUNK_BYTES, bytes - buffered));
    const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.filePosition);
    this.filePosition += bytesRead;
    this.buffer = Buffer.concat([this.buffer.subarray(this.offset), chunk.subarray(0, bytesRead)]);
    this.offset = 0;
    if (this.buffer.length < bytes) throw new Error('Truncated GGUF header');
  }
}
