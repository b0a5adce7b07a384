/**
 * Test-only: a minimal FlatBuffers writer, the mirror of flatbuffer.ts, so tests can build
 * TFLite models from scratch instead of depending on whichever operators the shipped models
 * happen to contain. It lays the buffer out front to back (each table's vtable just before it,
 * children after their parent, so every uoffset points forward) and aligns scalars, vectors and
 * tables as the FlatBuffers spec requires; it does not deduplicate vtables or strings, which
 * the format allows but never needs.
 */

/** One field value, tagged with its wire type; tables are arrays indexed by schema field id. */
export type FieldValue =
  | { kind: 'i8' | 'u8' | 'bool' | 'i32' | 'u32'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'i32s'; value: readonly number[] }
  | { kind: 'table'; value: TableValue }
  | { kind: 'tables'; value: readonly TableValue[] };

/** A table's fields by field index; `undefined` leaves the field absent (its default). */
export type TableValue = readonly (FieldValue | undefined)[];

/** Shorthands so table literals read `[fb.i32(2), fb.string('x')]`. */
export const fb = {
  i8: (value: number): FieldValue => ({ kind: 'i8', value }),
  u8: (value: number): FieldValue => ({ kind: 'u8', value }),
  bool: (value: boolean): FieldValue => ({ kind: 'bool', value: value ? 1 : 0 }),
  i32: (value: number): FieldValue => ({ kind: 'i32', value }),
  u32: (value: number): FieldValue => ({ kind: 'u32', value }),
  string: (value: string): FieldValue => ({ kind: 'string', value }),
  bytes: (value: Uint8Array): FieldValue => ({ kind: 'bytes', value }),
  i32s: (value: readonly number[]): FieldValue => ({ kind: 'i32s', value }),
  table: (value: TableValue): FieldValue => ({ kind: 'table', value }),
  tables: (value: readonly TableValue[]): FieldValue => ({ kind: 'tables', value }),
};

/** Inline size of a field: scalars in place, everything else as a 4-byte uoffset. */
function inlineSize(field: FieldValue): number {
  return field.kind === 'i8' || field.kind === 'u8' || field.kind === 'bool' ? 1 : 4;
}

class Writer {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  /** Appends `size` zero bytes, first padding so they start on `alignment`; returns their start. */
  reserve(size: number, alignment = 1): number {
    while (this.length % alignment !== 0) this.length++;
    const at = this.length;
    if (at + size > this.bytes.byteLength) {
      const grown = new Uint8Array(Math.max(this.bytes.byteLength * 2, at + size));
      grown.set(this.bytes);
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += size;
    return at;
  }

  u8(at: number, v: number): void {
    this.view.setUint8(at, v);
  }

  u16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }

  i32(at: number, v: number): void {
    this.view.setInt32(at, v, true);
  }

  u32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  /** Points the uoffset at `slot` to `target`, which must lie after it. */
  link(slot: number, target: number): void {
    this.u32(slot, target - slot);
  }

  set(at: number, data: Uint8Array): void {
    this.bytes.set(data, at);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A vector's length word followed by `count * elementSize` bytes, the elements aligned. */
function vector(w: Writer, count: number, elementSize: number, alignment: number): number {
  // Pad so the elements, which follow the 4-byte length, land on `alignment`.
  while ((w.length + 4) % alignment !== 0) w.reserve(1);
  const at = w.reserve(4 + count * elementSize, 4);
  w.u32(at, count);
  return at;
}

function writeChild(w: Writer, field: FieldValue): number {
  switch (field.kind) {
    case 'string': {
      const data = new TextEncoder().encode(field.value);
      // One extra byte: FlatBuffers strings are NUL-terminated after their counted bytes.
      const at = vector(w, data.byteLength + 1, 1, 4);
      w.u32(at, data.byteLength);
      w.set(at + 4, data);
      return at;
    }
    case 'bytes': {
      // 16-byte alignment, as TFLite asks of weight buffers so kernels can read them in place.
      const at = vector(w, field.value.byteLength, 1, 16);
      w.set(at + 4, field.value);
      return at;
    }
    case 'i32s': {
      const at = vector(w, field.value.length, 4, 4);
      for (const [i, v] of field.value.entries()) w.i32(at + 4 + 4 * i, v);
      return at;
    }
    case 'table':
      return writeTable(w, field.value);
    case 'tables': {
      const at = vector(w, field.value.length, 4, 4);
      for (const [i, t] of field.value.entries()) w.link(at + 4 + 4 * i, writeTable(w, t));
      return at;
    }
    default:
      throw new Error(`${field.kind} is a scalar, not an offset field`);
  }
}

function writeTable(w: Writer, fields: TableValue): number {
  // Inline layout: the 4-byte soffset to the vtable, then each present field at its alignment.
  const offsets = fields.map(() => 0);
  let size = 4;
  fields.forEach((field, i) => {
    if (field === undefined) return;
    const n = inlineSize(field);
    size = Math.ceil(size / n) * n;
    offsets[i] = size;
    size += n;
  });
  size = Math.ceil(size / 4) * 4;
  const vtable = w.reserve(4 + 2 * fields.length, 2);
  const table = w.reserve(size, 4);
  w.u16(vtable, 4 + 2 * fields.length);
  w.u16(vtable + 2, size);
  for (const [i, o] of offsets.entries()) w.u16(vtable + 4 + 2 * i, o);
  w.i32(table, table - vtable);
  const children: [number, FieldValue][] = [];
  fields.forEach((field, i) => {
    const at = table + (offsets[i] ?? 0);
    if (field === undefined) return;
    if (field.kind === 'i8' || field.kind === 'u8' || field.kind === 'bool')
      w.u8(at, field.value & 0xff);
    else if (field.kind === 'i32') w.i32(at, field.value);
    else if (field.kind === 'u32') w.u32(at, field.value);
    else children.push([at, field]);
  });
  for (const [slot, field] of children) w.link(slot, writeChild(w, field));
  return table;
}

/** A finished flatbuffer: root uoffset, 4-character file identifier, then the root table. */
export function writeFlatBuffer(root: TableValue, identifier: string): Uint8Array {
  if (identifier.length !== 4) throw new Error('a file identifier has 4 characters');
  const w = new Writer();
  const header = w.reserve(8, 4);
  w.set(header + 4, new TextEncoder().encode(identifier));
  w.link(header, writeTable(w, root));
  return w.result();
}
