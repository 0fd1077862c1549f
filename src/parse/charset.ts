/**
 * Bytes -> string, choosing the charset the way XML 1.0 Appendix F and the
 * WHATWG encoding sniffing rules suggest, in this order:
 *
 *   1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE);
 *   2. UTF-16/32 without a BOM, recognised by the `<?` of the prolog in wide form
 *      (XML 1.0 Appendix F.1);
 *   3. bytes that are valid UTF-8 stay UTF-8, whatever is declared
 *      (feeds that declare ISO-8859-1 but send UTF-8 are common; Miniflux does the same);
 *   4. the HTTP Content-Type charset;
 *   5. the XML prolog's `encoding=` or an HTML `<meta charset>`;
 *   6. windows-1252, the WHATWG default for undeclared legacy bytes.
 *
 * TextDecoder does the decoding: workerd's supports the full WHATWG label set
 * (windows-125x, ISO-8859-x, KOI8, GBK/GB18030, Big5, Shift_JIS, EUC-*), as
 * test/integration/charset.test.ts checks inside workerd. Two gaps are filled
 * here: UTF-32, which the WHATWG Encoding Standard leaves out (so no
 * TextDecoder has it; `decodeUtf32` is a few lines), and Node's windows-1252,
 * which is really ISO-8859-1 (see fixC1).
 *
 * It also owns what counts as text at all (`safeText`): decoding bytes never
 * yields an unpaired surrogate, but a JSON string escape can (`"\ud800"`).
 */

export interface Decoded {
  text: string;
  /** The WHATWG encoding name used. */
  encoding: string;
  /** How it was chosen. */
  via: 'bom' | 'utf16-sniff' | 'valid-utf8' | 'http' | 'prolog' | 'default';
}

export function charsetFromContentType(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType);
  return m ? m[2].toLowerCase() : null;
}

/** The encoding named in `<?xml ... encoding="...">` or `<meta charset>`, read from the ASCII head. */
export function charsetFromProlog(bytes: Uint8Array): string | null {
  const head = latin1Head(bytes, 1024);
  const xml = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  if (xml) return xml[1].toLowerCase();
  const meta = /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)/i.exec(head);
  return meta ? meta[1].toLowerCase() : null;
}

function latin1Head(bytes: Uint8Array, n: number): string {
  let s = '';
  const end = Math.min(bytes.length, n);
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function tryDecoder(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

export function decodeBody(bytes: Uint8Array, contentType: string | null = null): Decoded {
  const b0 = bytes[0], b1 = bytes[1], b2 = bytes[2], b3 = bytes[3];
  // 1. BOM. UTF-32 BOMs are checked before UTF-16 because FF FE 00 00 starts with FF FE.
  if (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) return { text: decodeUtf32(bytes.subarray(4), false), encoding: 'utf-32be', via: 'bom' };
  if (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) return { text: decodeUtf32(bytes.subarray(4), true), encoding: 'utf-32le', via: 'bom' };
  // '<' as UTF-32 without a BOM.
  if (b0 === 0x3c && b1 === 0 && b2 === 0 && b3 === 0) return { text: decodeUtf32(bytes, true), encoding: 'utf-32le', via: 'utf16-sniff' };
  if (b0 === 0 && b1 === 0 && b2 === 0 && b3 === 0x3c) return { text: decodeUtf32(bytes, false), encoding: 'utf-32be', via: 'utf16-sniff' };
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { text: decodeWith('utf-8', bytes.subarray(3)), encoding: 'utf-8', via: 'bom' };
  if (b0 === 0xff && b1 === 0xfe) return { text: decodeWith('utf-16le', bytes.subarray(2)), encoding: 'utf-16le', via: 'bom' };
  if (b0 === 0xfe && b1 === 0xff) return { text: decodeWith('utf-16be', bytes.subarray(2)), encoding: 'utf-16be', via: 'bom' };
  // 2. XML 1.0 Appendix F: '<?' as UTF-16 without a BOM.
  if (b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00) return { text: decodeWith('utf-16le', bytes), encoding: 'utf-16le', via: 'utf16-sniff' };
  if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f) return { text: decodeWith('utf-16be', bytes), encoding: 'utf-16be', via: 'utf16-sniff' };

  // 3. Valid UTF-8 stays UTF-8. C1 controls in it are windows-1252 characters that went through
  // a Latin-1 -> UTF-8 conversion ("don\u0092t"); they are never text, so they are mapped back.
  try {
    return { text: fixC1(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)), encoding: 'utf-8', via: 'valid-utf8' };
  } catch {
    // not UTF-8: fall through to what the document declares
  }

  // 4-6. Declared charset, then the default. A declared UTF-16/UTF-8 that we already know is
  // not what the bytes are is ignored (a wrong label must not turn a feed into garbage).
  const candidates: Array<[string | null, Decoded['via']]> = [
    [charsetFromContentType(contentType), 'http'],
    [charsetFromProlog(bytes), 'prolog'],
  ];
  for (const [label, via] of candidates) {
    if (!label) continue;
    if (/^(utf-?32|ucs-?4)/.test(label)) continue; // would have been sniffed above; the label is wrong
    const dec = tryDecoder(label);
    if (!dec) continue;
    if (dec.encoding === 'utf-8' || dec.encoding.startsWith('utf-16')) continue;
    return { text: dec.encoding === 'windows-1252' ? fixC1(dec.decode(bytes)) : dec.decode(bytes), encoding: dec.encoding, via };
  }
  return { text: decodeWith('windows-1252', bytes), encoding: 'windows-1252', via: 'default' };
}

/**
 * WHATWG index-windows-1252, bytes 0x80-0x9F (the only range where it differs from ISO-8859-1).
 * Node's TextDecoder decodes windows-1252 as ISO-8859-1 (nodejs/node#56542), leaving C1
 * controls where curly quotes and dashes belong; workerd's ICU decoder is right. Mapping the
 * C1 range afterwards makes both agree. 0 marks the five bytes the index leaves undefined.
 */
const CP1252_C1 = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** Map C1 controls (U+0080-U+009F) to the windows-1252 characters their byte values stand for. */
export function c1ToWindows1252(text: string): string {
  return fixC1(text);
}

function fixC1(text: string): string {
  return /[\u0080-\u009f]/.test(text)
    ? text.replace(/[\u0080-\u009f]/g, (c) => {
      const m = CP1252_C1[c.charCodeAt(0) - 0x80];
      return m ? String.fromCharCode(m) : c;
    })
    : text;
}

function decodeWith(label: string, bytes: Uint8Array): string {
  if (label === 'windows-1252') return fixC1(new TextDecoder(label, { fatal: false, ignoreBOM: true }).decode(bytes));
  // ignoreBOM: we strip BOMs ourselves; a second one inside the text is content.
  return new TextDecoder(label, { fatal: false, ignoreBOM: true }).decode(bytes);
}

/**
 * UTF-32 (Unicode §3.10, D99-D101). WHATWG left it out of the Encoding
 * Standard, so no TextDecoder has it. Invalid code points become U+FFFD, as
 * a non-fatal decoder would do.
 */
export function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  let chunk: number[] = [];
  const end = bytes.byteLength - (bytes.byteLength % 4);
  for (let i = 0; i < end; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    chunk.push(cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp);
    if (chunk.length === 8192) {
      parts.push(String.fromCodePoint(...chunk));
      chunk = [];
    }
  }
  if (end !== bytes.byteLength) chunk.push(0xfffd);
  parts.push(String.fromCodePoint(...chunk));
  return parts.join('');
}

// XML 1.0 §2.2 Char: tab, LF, CR and U+0020 up, without surrogates and U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex
const C0 = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const NOT_CHAR = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g;
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/**
 * Text safe to serialize as JSON and XML: the C0 controls XML 1.0 §2.2 does not allow are
 * removed (as the XML reader removes them from RSS and Atom), unpaired surrogates and
 * U+FFFE/U+FFFF become U+FFFD (in place, so nothing new becomes adjacent). `jq` and every
 * XML parser refuse a document holding either.
 */
export function safeText(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return s.replace(NOT_CHAR, '\ufffd').replace(C0, '');
}

