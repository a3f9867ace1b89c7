import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { METADATA_ENCODING_KEY, ValueError } from '@temporalio/common';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Encrypts every payload (workflow input, results, signals, updates, queries, memo, activity
 * arguments) with AES-256-GCM before it leaves the process, so histories hold only ciphertext.
 * As in Temporal's encryption sample: the whole payload (metadata and data) is serialised and
 * encrypted, `encoding` becomes `binary/encrypted`, and the key id travels in the payload's
 * `encryption-key-id` header, so keys can be rotated: the first key encrypts, every key decrypts.
 * Search attributes are not payloads the codec sees; they stay readable (they hold no secrets).
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  readonly id: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(private readonly keys: readonly [EncryptionKey, ...EncryptionKey[]]) {
    for (const k of keys) {
      if (k.key.length !== 32) throw new ValueError(`encryption key ${k.id} must be 32 bytes (AES-256)`);
    }
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0];
    return Promise.resolve(
      payloads.map((payload) => ({
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(id),
        },
        data: encrypt(temporal.api.common.v1.Payload.encode(payload).finish(), key),
      }))
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (encoding === undefined || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
        const keyId = payload.metadata?.[KEY_ID_METADATA];
        if (keyId === undefined) throw new ValueError('encrypted payload without an encryption-key-id');
        const key = this.byId.get(Buffer.from(keyId).toString());
        if (key === undefined) {
          throw new ValueError(`no key ${Buffer.from(keyId).toString()} to decrypt this payload (rotated out?)`);
        }
        if (!payload.data) throw new ValueError('encrypted payload without data');
        return temporal.api.common.v1.Payload.decode(decrypt(payload.data, key));
      })
    );
  }
}

function encrypt(plain: Uint8Array, key: Buffer): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(sealed: Uint8Array, key: Buffer): Uint8Array {
  const data = Buffer.from(sealed);
  if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('encrypted payload too short');
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
}

/** The codec for the configured keys; none without keys. */
export function encryptionCodecFor(keys: readonly EncryptionKey[]): EncryptionCodec | undefined {
  const [first, ...rest] = keys;
  return first === undefined ? undefined : new EncryptionCodec([first, ...rest]);
}

/** The data converter of every client and worker: encrypted when keys are configured. */
export function dataConverterFor(keys: readonly EncryptionKey[]): DataConverter | undefined {
  const codec = encryptionCodecFor(keys);
  return codec && { payloadCodecs: [codec] };
}
