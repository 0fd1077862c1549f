/**
 * One representative image per entry, by a written-out fallback chain
 * (CONVENTIONS §4):
 *
 *   1. Media RSS: media:thumbnail and media:content images (on the item, in a
 *      media:group, or inside a media:content), the largest of them first;
 *   2. an image enclosure (RSS <enclosure>, Atom link rel="enclosure");
 *   3. itunes:image;
 *   4. JSON Feed's image, then banner_image;
 *   5. the first sizeable <img> of the sanitized content, then of the summary:
 *      not a tracking pixel (the sanitizer already removed those), no side
 *      under 100x80 when the size is stated, not an emoji, smiley or avatar.
 *
 * Every candidate is resolved against the item's base; none is a guess, so
 * an entry without any of these has no image (null).
 */
import type { ParsedItem } from '../model';
import { isTrackingPixel, type SanitizedImage } from './html';
import { resolveUrl } from './url';

const NOT_A_PICTURE = /\/(?:smilies|emoji)\/|gravatar\.com\/avatar|\/wp-includes\/images\//i;

export const isSizeable = (img: SanitizedImage): boolean =>
  (img.width === null || img.width >= 100) && (img.height === null || img.height >= 80) && !NOT_A_PICTURE.test(img.url);

const CHAIN = ['media', 'enclosure', 'itunes:image', 'json:image', 'json:banner_image'] as const;

export function pickImage(item: ParsedItem, base: string | null, content: SanitizedImage[], summary: SanitizedImage[]): string | null {
  for (const step of item.images.length ? CHAIN : []) {
    const group = item.images.filter((i) => (step === 'media' ? i.origin === 'media:thumbnail' || i.origin === 'media:content' : i.origin === step));
    // Largest first; stable, so unsized candidates keep document order.
    group.sort((a, b) => (b.width ?? 0) * (b.height ?? 0) - (a.width ?? 0) * (a.height ?? 0));
    for (const img of group) {
      const abs = resolveUrl(img.url, base);
      if (abs && !isTrackingPixel(abs, img.width, img.height)) return abs;
    }
  }
  return content.find(isSizeable)?.url ?? summary.find(isSizeable)?.url ?? null;
}
