import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// One randomBytes call per id costs microseconds (a syscall-backed fill each time); drawing from a refilled pool
// amortises it, as Node's own randomUUID does with its entropy cache.
const POOL_SIZE = 16 * 256;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function randomSlice16(): Buffer {
  if (poolOffset + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return bytes;
}

/**
 * UUIDv7 (RFC 9562 §5.7): time-ordered, so ids double as stable cursors and index well.
 * Always lowercase; contracts reject uppercase UUIDs.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomSlice16();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** Base62 encoding of `byteLength` random bytes, used for key material (DESIGN §3). */
export function randomBase62(byteLength: number): string {
  let value = BigInt(`0x${randomBytes(byteLength).toString('hex')}`);
  const length = Math.ceil((byteLength * 8) / Math.log2(62));
  let out = '';
  for (let i = 0; i < length; i++) {
    out = BASE62[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}
