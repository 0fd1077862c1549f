/**
 * One representative image per entry, by a written-out fallback chain
 * (CONVENTIONS §4):
 *
 *   1. Media RSS: media:thumbnail and media:content images (on the item, in a
 *      media:group, or inside a media:content);
 *   2. an image enclosure (RSS <enclosure>, Atom link rel="enclosure");
 *   3. itunes:image;
 *   4. JSON Feed's image, then banner_image;
 *   5. an <img> of the sanitized content, then of the summary.
 *
 * Within a step the candidate with the largest stated side wins (a width alone counts: the
 * Guardian gives widths of 140 and 460 and no heights); candidates without a size follow in
 * document order. Never chosen: tracking pixels (1x1, beacon hosts), images whose stated size
 * is under 100x80, and what a page template puts beside the picture rather than the picture
 * itself: icons, emoji, spacers and avatars, recognised by the conventional names of their
 * folders and files (`/icons/`, `/filetype/`, `spacer.gif`, `.ico`...), and any inline image
 * that recurs in several items of the same document (`chromeImages`: a forum's file-type icon
 * next to every attached photo). Audio and video are never an image: only image enclosures
 * are candidates (adapt.ts).
 *
 * Every candidate is resolved against the item's base; none is a guess, so an entry without any
 * of these has no image (null).
 */
import type { ParsedItem } from '../model';
import { isTrackingPixel, type SanitizedImage } from './html';
import { resolveUrl } from './url';

const NOT_A_PICTURE = /\/(?:smilies|emoji)\/|gravatar\.com\/avatar|\/wp-includes\/images\//i;
/** Folder names that hold page furniture, not pictures. */
const FURNITURE_DIR = /\/(?:icons?|emojis?|emoticons?|smil(?:ies|eys?)|filetypes?|badges|buttons|sprites|avatars?)\//i;
/** File names of spacers and placeholders, and icon files. */
const FURNITURE_FILE = /\/(?:spacer|blank|pixel|transparent|clear|1x1|dot)\.(?:gif|png)$|\.ico$/i;

/** Icons, emoji, spacers and avatars, by the path of their URL (query and fragment ignored). */
export function isFurniture(url: string): boolean {
  const path = url.replace(/[?#].*$/, '');
  return NOT_A_PICTURE.test(url) || FURNITURE_DIR.test(path) || FURNITURE_FILE.test(path);
}

export const isSizeable = (img: SanitizedImage): boolean =>
  (img.width === null || img.width >= 100) && (img.height === null || img.height >= 80) && !isFurniture(img.url);

/** An inline image that recurs in this many items of one document is the site's, not the item's. */
export const CHROME_MIN_ITEMS = 3;

/** Inline images (content and summary) that recur in CHROME_MIN_ITEMS or more items of a document. */
export function chromeImages(perItem: SanitizedImage[][]): Set<string> {
  const count = new Map<string, number>();
  const inItem = new Set<string>();
  for (const images of perItem) {
    if (!images.length) continue;
    inItem.clear();
    for (const { url } of images) {
      if (inItem.has(url)) continue; // once per item
      inItem.add(url);
      count.set(url, (count.get(url) ?? 0) + 1);
    }
  }
  return new Set([...count].filter(([, n]) => n >= CHROME_MIN_ITEMS).map(([u]) => u));
}

/** The larger of the stated sides; 0 when neither is stated. */
const side = (i: { width: number | null; height: number | null }) => Math.max(i.width ?? 0, i.height ?? 0);

/** Largest stated side first; stable, so candidates without a size keep document order. */
function bySize<T extends { width: number | null; height: number | null }>(list: T[]): T[] {
  return [...list].sort((a, b) => side(b) - side(a));
}

const CHAIN = ['media', 'enclosure', 'itunes:image', 'json:image', 'json:banner_image'] as const;

/** The image the item's metadata offers (steps 1-4), or null. */
function metadataImage(item: ParsedItem, base: string | null): string | null {
  for (const step of item.images.length ? CHAIN : []) {
    const group = item.images.filter((i) => (step === 'media' ? i.origin === 'media:thumbnail' || i.origin === 'media:content' : i.origin === step));
    for (const img of bySize(group)) {
      const abs = resolveUrl(img.url, base);
      if (abs && !isTrackingPixel(abs, img.width, img.height) && !isFurniture(abs)) return abs;
    }
  }
  return null;
}

/** The largest sizeable inline image that is not the site's chrome (step 5), or null. */
export function inlineImage(content: SanitizedImage[], summary: SanitizedImage[], chrome: ReadonlySet<string> = new Set()): string | null {
  for (const list of [content, summary]) {
    const best = bySize(list.filter((i) => isSizeable(i) && !chrome.has(i.url)))[0];
    if (best) return best.url;
  }
  return null;
}

export function pickImage(item: ParsedItem, base: string | null, content: SanitizedImage[], summary: SanitizedImage[], chrome?: ReadonlySet<string>): string | null {
  return metadataImage(item, base) ?? inlineImage(content, summary, chrome);
}
