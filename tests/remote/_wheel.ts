// Builds wheels (zip archives) in memory for driver_download_test.ts: the members deflated with the
// runtime's CompressionStream, with what the central directory claims overridable to build lying ones.

export interface Member {
  name: string;
  bytes: Uint8Array;
  /** Store instead of deflate. */
  stored?: boolean;
  /** The uncompressed size both headers claim, when not the true one. */
  claimedSize?: number;
  /** The compression method both headers claim, when not the one used. */
  claimedMethod?: number;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("deflate-raw"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

interface SharedFields {
  method: number;
  crc: number;
  compressed: number;
  size: number;
  nameLength: number;
}

/** What a local header (from 4) and its central directory entry (from 6) both say, up to the name's length. */
function sharedFields(view: DataView, at: number, fields: SharedFields): void {
  view.setUint16(at, 20, true); // version needed
  view.setUint16(at + 4, fields.method, true);
  view.setUint16(at + 8, 0x21, true); // date: 1980-01-01
  view.setUint32(at + 10, fields.crc, true);
  view.setUint32(at + 14, fields.compressed, true);
  view.setUint32(at + 18, fields.size, true);
  view.setUint16(at + 22, fields.nameLength, true);
}

/** A zip archive of `members`, in order. */
export async function makeWheel(members: Member[]): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  const directory: Uint8Array[] = [];
  let offset = 0;
  for (const member of members) {
    const name = new TextEncoder().encode(member.name);
    const data = member.stored ? member.bytes : await deflate(member.bytes);
    const method = member.claimedMethod ?? (member.stored ? 0 : 8);
    const size = member.claimedSize ?? member.bytes.length;
    const crc = crc32(member.bytes);
    const shared = { method, crc, compressed: data.length, size, nameLength: name.length };
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    sharedFields(local, 4, shared);
    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, 20, true); // version made by
    sharedFields(central, 6, shared);
    central.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), name, data);
    directory.push(new Uint8Array(central.buffer), name);
    offset += 30 + name.length + data.length;
  }
  const directorySize = directory.reduce((sum, part) => sum + part.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, members.length, true);
  end.setUint16(10, members.length, true);
  end.setUint32(12, directorySize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...directory, new Uint8Array(end.buffer)];
  const zip = new Uint8Array(all.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of all) {
    zip.set(part, at);
    at += part.length;
  }
  return zip;
}
