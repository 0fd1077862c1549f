import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/parse/charset';

const bytes = (...b: number[]) => new Uint8Array(b);
const latin1 = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

describe('decodeBody', () => {
  it('honours a BOM first', () => {
    expect(decodeBody(bytes(0xef, 0xbb, 0xbf, 0x41))).toMatchObject({ text: 'A', via: 'bom', encoding: 'utf-8' });
    expect(decodeBody(bytes(0xff, 0xfe, 0x41, 0x00))).toMatchObject({ text: 'A', via: 'bom', encoding: 'utf-16le' });
    expect(decodeBody(bytes(0xfe, 0xff, 0x00, 0x41))).toMatchObject({ text: 'A', via: 'bom', encoding: 'utf-16be' });
  });

  it('recognises UTF-16 without a BOM from the prolog', () => {
    const le = new Uint8Array([...'<?xml?>'].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(decodeBody(le)).toMatchObject({ text: '<?xml?>', via: 'utf16-sniff' });
  });

  it('keeps valid UTF-8 as UTF-8 even when ISO-8859-1 is declared', () => {
    const b = new TextEncoder().encode('<?xml version="1.0" encoding="ISO-8859-1"?><t>café</t>');
    expect(decodeBody(b, 'text/xml; charset=iso-8859-1')).toMatchObject({ via: 'valid-utf8', text: expect.stringContaining('café') });
  });

  it('uses the HTTP charset, then the prolog, then windows-1252', () => {
    const doc = latin1('<?xml version="1.0" encoding="windows-1251"?><t>\xcf\xf0\xe8</t>');
    expect(decodeBody(doc, 'application/xml; charset="koi8-r"')).toMatchObject({ via: 'http', encoding: 'koi8-r' });
    expect(decodeBody(doc)).toMatchObject({ via: 'prolog', encoding: 'windows-1251', text: expect.stringContaining('При') });
    expect(decodeBody(latin1('<t>caf\xe9 \x93quoted\x94</t>'))).toMatchObject({ via: 'default', text: '<t>café “quoted”</t>' });
  });

  it('decodes UTF-32, which no TextDecoder supports, by BOM or by the wide "<"', () => {
    expect(decodeBody(bytes(0xff, 0xfe, 0, 0, 0x41, 0, 0, 0, 0x00, 0xf6, 0x01, 0x00))).toMatchObject({ text: 'A\u{1f600}', encoding: 'utf-32le', via: 'bom' });
    expect(decodeBody(bytes(0, 0, 0xfe, 0xff, 0, 0, 0, 0x41))).toMatchObject({ text: 'A', encoding: 'utf-32be' });
    expect(decodeBody(bytes(0x3c, 0, 0, 0, 0x61, 0, 0, 0))).toMatchObject({ text: '<a', encoding: 'utf-32le' });
    expect(decodeBody(bytes(0, 0, 0, 0x3c, 0, 0, 0, 0x61))).toMatchObject({ text: '<a', encoding: 'utf-32be' });
    // An out-of-range code unit is replaced, not thrown on.
    expect(decodeBody(bytes(0xff, 0xfe, 0, 0, 0xff, 0xff, 0xff, 0x7f)).text).toBe('\ufffd');
  });
});
