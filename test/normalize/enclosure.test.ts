/**
 * Enclosures as normalize keeps them: every file an item carries, with its URL resolved, its MIME
 * type, its size and its playing time (itunes:duration on the episode's audio).
 */
import { describe, expect, it } from 'vitest';
import { durationSeconds, MAX_ENCLOSURES, normalizeEnclosures } from '../../src/normalize/enclosure';
import { normalizeFeed } from '../../src/normalize/index';
import { parseFeedText } from '../../src/parse/index';

const NOW = new Date('2026-11-26T08:00:00Z');
const entries = (doc: string) => {
  const { feed } = parseFeedText(doc);
  const feedUrl = 'https://pod.example/feed.xml';
  return normalizeFeed(feed, { source: { id: 'p', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW });
};

describe('durationSeconds (itunes:duration)', () => {
  it('reads seconds, MM:SS and HH:MM:SS, and nothing else', () => {
    expect(durationSeconds('1:17:07')).toBe(4627);
    expect(durationSeconds('77:07')).toBe(4627);
    expect(durationSeconds('4627')).toBe(4627);
    expect(durationSeconds(' 4627.6 ')).toBe(4628);
    expect(durationSeconds('1:61:00')).toBeNull();
    expect(durationSeconds('an hour')).toBeNull();
    expect(durationSeconds('')).toBeNull();
  });
});

describe('enclosures', () => {
  it('keeps a podcast episode: RSS <enclosure> with type and length, itunes:duration on the audio; the audio is no image', () => {
    const [e] = entries(`<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Off Menu</title>
      <item><title>Ep 180</title><enclosure url="https://sphinx.acast.com/offmenu/e/180/media.mp3" length="92555409" type="audio/mpeg"/>
      <itunes:duration>1:17:07</itunes:duration><itunes:image href="https://assets.pippa.io/ep180.jpg"/></item></channel></rss>`);
    expect(e.enclosures).toEqual([{ url: 'https://sphinx.acast.com/offmenu/e/180/media.mp3', type: 'audio/mpeg', length: 92555409, durationSeconds: 4627 }]);
    expect(e.image).toBe('https://assets.pippa.io/ep180.jpg');
  });

  it('reads Atom link rel="enclosure" and JSON Feed attachments with duration_in_seconds', () => {
    const [a] = entries(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>1</id><title>a</title>
      <link rel="enclosure" href="/ep/1.m4a" type="audio/x-m4a" length="1000"/><link rel="enclosure" href="/ep/1.m4a"/></entry></feed>`);
    expect(a.enclosures).toEqual([{ url: 'https://pod.example/ep/1.m4a', type: 'audio/x-m4a', length: 1000, durationSeconds: null }]);
    const [j] = entries(JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1', title: 't',
      items: [{ id: '1', content_text: 'x', attachments: [{ url: 'https://pod.example/1.mp3', mime_type: 'audio/mpeg', size_in_bytes: 12, duration_in_seconds: 61 }] }],
    }));
    expect(j.enclosures).toEqual([{ url: 'https://pod.example/1.mp3', type: 'audio/mpeg', length: 12, durationSeconds: 61 }]);
  });

  it('reads length 0 (the RSS profile\'s "unknown") and junk as no length, drops a bad type and a non-http URL', () => {
    const { feed } = parseFeedText(`<rss version="2.0"><channel><title>t</title><item><title>a</title>
      <enclosure url="https://x.example/a.mp3" length="0" type="Audio/MPEG; charset=binary"/>
      <enclosure url="https://x.example/b.pdf" length="-5" type="pdf"/>
      <enclosure url="ftp://x.example/c.mp3" length="9" type="audio/mpeg"/></item></channel></rss>`);
    expect(normalizeEnclosures(feed.items[0], 'https://x.example/')).toEqual([
      { url: 'https://x.example/a.mp3', type: 'audio/mpeg', length: null, durationSeconds: null },
      { url: 'https://x.example/b.pdf', type: null, length: null, durationSeconds: null },
    ]);
  });

  it(`keeps at most ${MAX_ENCLOSURES} files`, () => {
    const many = Array.from({ length: 30 }, (_, i) => `<enclosure url="https://x.example/${i}.mp3" type="audio/mpeg" length="1"/>`).join('');
    const [e] = entries(`<rss version="2.0"><channel><title>t</title><item><title>a</title>${many}</item></channel></rss>`);
    expect(e.enclosures).toHaveLength(MAX_ENCLOSURES);
  });
});
