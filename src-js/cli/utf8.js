// Mapping files are read as bytes and decoded strictly: a Latin-1 'é' (0xE9) must be reported,
// not silently turned into U+FFFD, which would then be written to Assets.

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The offset of the first byte that is not part of valid UTF-8 in `bytes`, or -1. */
export function firstInvalidUtf8(bytes) {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // The length of the sequence and the range its second byte must be in (this excludes
    // overlong forms, UTF-16 surrogates and code points past U+10FFFF).
    let length;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k += 1) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * Decodes `bytes` as UTF-8 (a byte order mark is kept: the core skips it), or returns
 * `{offset, line, column, byte}` for the first bad byte (line and column 1-based, the column
 * counting characters).
 */
export function decodeUtf8(bytes) {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = strict.decode(bytes.subarray(0, offset));
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = before.slice(0, lineStart).split('\n').length;
    const column = [...before.slice(lineStart)].length + 1;
    return { error: { offset, line, column, byte: bytes[offset] } };
  }
}
