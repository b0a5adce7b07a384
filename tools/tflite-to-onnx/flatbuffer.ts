/**
 * A bounds-checked FlatBuffers reader: the file plus checked scalar reads, and tables read
 * through their vtables. It knows nothing of TFLite, so the same code reads the TFLite model
 * and the metadata flatbuffer embedded in it (tests read the tasks file's normalisation so).
 *
 * Hand-written rather than the `flatbuffers` package: that package trusts its input and turns a
 * truncated file into a RangeError (or silently reads garbage), while here every offset is
 * checked and a bad one becomes a `corrupt-model` ConversionError saying which table and field
 * pointed where. Environment-agnostic: Uint8Array and DataView only.
 */
import { ConversionError } from './errors';

export function corrupt(message: string): ConversionError {
  return new ConversionError('corrupt-model', message);
}

/** The whole file plus checked scalar reads; every position is absolute from the file start. */
export class FlatBufferBytes {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  check(pos: number, size: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + size > this.bytes.byteLength) {
      throw corrupt(
        `${what}: ${size} byte(s) at offset ${pos} lie outside the file (${this.bytes.byteLength} bytes); the file is truncated or corrupt`,
      );
    }
  }

  u8(pos: number, what: string): number {
    this.check(pos, 1, what);
    return this.view.getUint8(pos);
  }

  i8(pos: number, what: string): number {
    this.check(pos, 1, what);
    return this.view.getInt8(pos);
  }

  u16(pos: number, what: string): number {
    this.check(pos, 2, what);
    return this.view.getUint16(pos, true);
  }

  i32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.view.getInt32(pos, true);
  }

  u32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.view.getUint32(pos, true);
  }

  u64(pos: number, what: string): number {
    this.check(pos, 8, what);
    const value = this.view.getBigUint64(pos, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what}: ${value} is out of range`);
    return Number(value);
  }

  f32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.view.getFloat32(pos, true);
  }

  /** The 4-character file identifier after the root offset ("TFL3" for TFLite models). */
  identifier(): string {
    this.check(0, 8, 'file header');
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  /** The root table, after checking the file identifier when one is expected. */
  root(expectedIdentifier: string | undefined, what: string): Table {
    if (this.bytes.byteLength < 8) {
      throw corrupt(`${what}: file is ${this.bytes.byteLength} bytes, too short for a flatbuffer`);
    }
    if (expectedIdentifier !== undefined) {
      const id = this.identifier();
      if (id !== expectedIdentifier) {
        throw corrupt(
          `${what}: bad file identifier ${JSON.stringify(id)}, expected ${JSON.stringify(expectedIdentifier)}`,
        );
      }
    }
    return new Table(this, this.u32(0, `${what} root offset`), what);
  }
}

/** One flatbuffer table; field accessors take the schema's field index and return defaults when absent. */
export class Table {
  readonly fb: FlatBufferBytes;
  readonly pos: number;
  /** Where this table sits in the model ("subgraph 0 tensor 12"), for error messages. */
  readonly what: string;
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(fb: FlatBufferBytes, pos: number, what: string) {
    this.fb = fb;
    this.pos = pos;
    this.what = what;
    this.vtable = pos - fb.i32(pos, `${what} vtable offset`);
    this.vtableSize = fb.u16(this.vtable, `${what} vtable`);
    const inlineSize = fb.u16(this.vtable + 2, `${what} vtable`);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) {
      throw corrupt(`${what}: vtable at offset ${this.vtable} has invalid size ${this.vtableSize}`);
    }
    fb.check(this.vtable, this.vtableSize, `${what} vtable`);
    fb.check(pos, inlineSize, `${what} table`);
  }

  /** Absolute position of field `index`, or 0 when the field is absent. */
  private field(index: number): number {
    const entry = 4 + 2 * index;
    if (entry + 2 > this.vtableSize) return 0;
    const offset = this.fb.u16(this.vtable + entry, `${this.what} vtable`);
    return offset === 0 ? 0 : this.pos + offset;
  }

  has(index: number): boolean {
    return this.field(index) !== 0;
  }

  /** Absolute byte position of field `index` in the file, 0 when absent (tests patch files). */
  fieldPosition(index: number): number {
    return this.field(index);
  }

  u8(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u8(at, `${this.what} field ${index}`);
  }

  i8(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.i8(at, `${this.what} field ${index}`);
  }

  bool(index: number, fallback: boolean): boolean {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u8(at, `${this.what} field ${index}`) !== 0;
  }

  i32(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.i32(at, `${this.what} field ${index}`);
  }

  u32(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u32(at, `${this.what} field ${index}`);
  }

  u64(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u64(at, `${this.what} field ${index}`);
  }

  /** Target of an offset field (table, vector or string), or 0 when absent. */
  private indirect(index: number): number {
    const at = this.field(index);
    if (at === 0) return 0;
    return at + this.fb.u32(at, `${this.what} field ${index}`);
  }

  table(index: number, what: string): Table | undefined {
    const at = this.indirect(index);
    return at === 0 ? undefined : new Table(this.fb, at, what);
  }

  /** A union value: a table whose type is given by the preceding type field. */
  unionTable(index: number, what: string): Table | undefined {
    return this.table(index, what);
  }

  string(index: number): string | undefined {
    const bytes = this.u8Vector(index, 'string');
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  /** Start and length of a vector of `elementSize`-byte elements, checked against the file. */
  private vector(index: number, elementSize: number, kind: string): [number, number] | undefined {
    const at = this.indirect(index);
    if (at === 0) return undefined;
    const what = `${this.what} field ${index} (${kind})`;
    const length = this.fb.u32(at, what);
    this.fb.check(at + 4, length * elementSize, `${what} of length ${length}`);
    return [at + 4, length];
  }

  vectorLength(index: number): number {
    return this.vector(index, 0, 'vector')?.[1] ?? 0;
  }

  /** A view into the file, not a copy. */
  u8Vector(index: number, kind = 'byte vector'): Uint8Array | undefined {
    const v = this.vector(index, 1, kind);
    return v === undefined ? undefined : this.fb.bytes.subarray(v[0], v[0] + v[1]);
  }

  i32Vector(index: number): number[] {
    const v = this.vector(index, 4, 'int vector');
    if (v === undefined) return [];
    const out = new Array<number>(v[1]);
    for (let i = 0; i < v[1]; i++) out[i] = this.fb.i32(v[0] + 4 * i, this.what);
    return out;
  }

  f32Vector(index: number): number[] {
    const v = this.vector(index, 4, 'float vector');
    if (v === undefined) return [];
    const out = new Array<number>(v[1]);
    for (let i = 0; i < v[1]; i++) out[i] = this.fb.f32(v[0] + 4 * i, this.what);
    return out;
  }

  i64VectorLength(index: number): number {
    return this.vector(index, 8, 'long vector')?.[1] ?? 0;
  }

  tables(index: number, what: (i: number) => string): Table[] {
    const v = this.vector(index, 4, 'table vector');
    if (v === undefined) return [];
    const out: Table[] = [];
    for (let i = 0; i < v[1]; i++) {
      const slot = v[0] + 4 * i;
      out.push(new Table(this.fb, slot + this.fb.u32(slot, this.what), what(i)));
    }
    return out;
  }
}
