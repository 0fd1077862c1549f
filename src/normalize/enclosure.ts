/**
 * Enclosures: the files an item carries, podcast audio first among them (RSS 2.0 <enclosure>,
 * Atom link rel="enclosure" (RFC 4287 §4.2.7.2), JSON Feed attachments). Each is kept as the feed
 * states it: its URL resolved against the item's base (http(s) only), its MIME type, its size in
 * bytes (RSS 2.0 requires `length`; 0 is the RSS Board profile's "unknown", kept as null) and its
 * playing time. `itunes:duration` belongs to the episode, so it goes to the item's first audio or
 * video file. A URL listed twice is one file. Image enclosures stay enclosures too (they are also
 * image candidates, image.ts).
 */
import type { Enclosure, ParsedItem } from '../model';
import { resolveUrl } from './url';

/** At most this many enclosures are kept per entry. */
export const MAX_ENCLOSURES = 20;

/** RFC 6838 §4.2 type/subtype (parameters dropped); what the W3C validator accepts as a MIME type. */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;
const AUDIO_VIDEO_EXT = /\.(mp3|m4a|aac|ogg|oga|opus|wav|flac|mp4|m4v|mov|webm|mkv)(?:[?#]|$)/i;

/**
 * itunes:duration as whole seconds. Apple's podcast spec allows seconds ("4627") and
 * HH:MM:SS / MM:SS ("1:17:07", "77:07"); fractions are rounded. Anything else is null.
 */
export function durationSeconds(raw: string | number | null | undefined): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? Math.round(raw) : null;
  const s = raw?.trim();
  if (!s || !/^\d+(?::\d{1,2}){0,2}(?:\.\d+)?$/.test(s)) return null;
  const parts = s.split(':').map(Number);
  if (parts.slice(1).some((p) => p >= 60)) return null;
  return Math.round(parts.reduce((total, p) => total * 60 + p, 0));
}

const isAudioVideo = (e: Enclosure) => (e.type ? /^(audio|video)\//i.test(e.type) : AUDIO_VIDEO_EXT.test(e.url));

export function normalizeEnclosures(item: ParsedItem, base: string | null): Enclosure[] {
  const out: Enclosure[] = [];
  const seen = new Set<string>();
  for (const e of item.enclosures) {
    const url = resolveUrl(e.url, base);
    if (!url || seen.has(url)) continue;
    seen.add(url);
    const type = e.type?.split(';')[0].trim().toLowerCase() ?? '';
    out.push({
      url,
      type: MIME.test(type) ? type : null,
      length: e.length !== null && Number.isSafeInteger(e.length) && e.length > 0 ? e.length : null,
      durationSeconds: e.durationSeconds !== undefined && e.durationSeconds !== null ? durationSeconds(e.durationSeconds) : null,
    });
    if (out.length >= MAX_ENCLOSURES) break;
  }
  const episode = item.duration ? durationSeconds(item.duration) : null;
  const av = out.find(isAudioVideo);
  if (episode !== null && av && av.durationSeconds === null) av.durationSeconds = episode;
  return out;
}
