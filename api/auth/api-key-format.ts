import { createHash, randomBytes, randomInt } from 'node:crypto';

/**
 * API keys look like `fl_<id>_<secret>`: `id` is 10 characters of [a-z0-9] (no `_`, so the
 * split is unambiguous) and names the Redis record; `secret` is 32 random bytes in base64url
 * (43 characters) and is only ever stored as its SHA-256.
 */
export const API_KEY_PREFIX = 'fl_';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 10;
const SECRET_BYTES = 32;
const API_KEY = /^fl_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;
const KEY_ID = /^[a-z0-9]{10}$/;

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

/** A fresh key: the plaintext to hand out once, and its parts. */
export function generateApiKey(): ParsedApiKey & { readonly plaintext: string } {
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, secret, plaintext: `${API_KEY_PREFIX}${id}_${secret}` };
}

/** The parts of a well-formed key, else undefined. */
export function parseApiKey(plaintext: string): ParsedApiKey | undefined {
  const m = API_KEY.exec(plaintext);
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

/** True for text meant as an API key (as opposed to a JWT), well-formed or not. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

export function isApiKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

/**
 * SHA-256 of the secret. No salt or pepper: the secret is 256 random bits, so neither
 * precomputed tables nor guessing can reverse the hash; a slow hash would only slow the
 * hot path.
 */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
