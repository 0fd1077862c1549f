/**
 * The image chooser: the largest stated side wins, icons, spacers and the document's recurring
 * chrome never do (image.ts).
 */
import { describe, expect, it } from 'vitest';
import { chromeImages, inlineImage, isFurniture } from '../../src/normalize/image';
import { normalizeFeed } from '../../src/normalize/index';
import { parseFeedText } from '../../src/parse/index';

const NOW = new Date('2026-11-26T08:00:00Z');
const images = (doc: string) => {
  const { feed } = parseFeedText(doc);
  const feedUrl = 'http://forum.example/rss.asp';
  return normalizeFeed(feed, { source: { id: 'f', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW }).map((e) => e.image);
};

describe('image choice', () => {
  it('prefers the largest stated side, a width alone included (the Guardian gives 140 and 460, no height)', () => {
    const [img] = images(`<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title><item><title>a</title>
      <media:content width="140" url="https://i.guim.co.uk/img/x.jpg?width=140"/><media:content width="460" url="https://i.guim.co.uk/img/x.jpg?width=460"/>
      </item></channel></rss>`);
    expect(img).toBe('https://i.guim.co.uk/img/x.jpg?width=460');
    expect(inlineImage([{ url: 'https://a.example/1.jpg', width: null, height: null }, { url: 'https://a.example/2.jpg', width: 300, height: null }, { url: 'https://a.example/3.jpg', width: 100, height: 900 }], []))
      .toBe('https://a.example/3.jpg');
  });

  it('reads a percentage width as no size', () => {
    expect(inlineImage([{ url: 'https://a.example/a.png', width: 60, height: null }], [])).toBeNull();
    const [img] = images(`<rss version="2.0"><channel><title>t</title><item><title>a</title><description>&lt;img src="https://a.example/a.png" width="60%"&gt;</description></item></channel></rss>`);
    expect(img).toBe('https://a.example/a.png');
  });

  it('skips icons, emoji, spacers and avatars by the conventional names of their folders and files', () => {
    for (const u of ['http://f.example/skins/default/filetype/jpg.gif', 'https://x.example/icons/rss.png', 'https://x.example/img/spacer.gif', 'https://x.example/favicon.ico', 'https://secure.gravatar.com/avatar/1']) {
      expect(isFurniture(u), u).toBe(true);
    }
    for (const u of ['https://x.example/2022/pixel-7-review.jpg', 'https://x.example/photos/icon-of-the-80s.jpg', 'https://x.example/buttons.jpg']) expect(isFurniture(u), u).toBe(false);
  });

  it("skips an inline image that recurs in 3 or more items of the document: a forum's file-type icon beside each photo", () => {
    // Relative, so no folder name gives it away: only its recurrence does.
    const item = (n: number) => `<item><title>${n}</title><description><![CDATA[<img src="/skins/x/jpg.gif"/>photo:<br/><img src="http://pic.forum.example/upload/${n}.jpg"/>]]></description></item>`;
    const list = images(`<rss version="2.0"><channel><title>t</title><link>http://forum.example/</link>${[1, 2, 3].map(item).join('')}</channel></rss>`);
    expect(list).toEqual([1, 2, 3].map((n) => `http://pic.forum.example/upload/${n}.jpg`));
    expect(chromeImages([[{ url: 'a', width: null, height: null }], [{ url: 'a', width: null, height: null }]])).toEqual(new Set());
  });

  it('finds the picture past the point where long content is cut', () => {
    const text = 'word '.repeat(600);
    const [img] = images(`<rss version="2.0"><channel><title>t</title><item><title>a</title><description>&lt;p&gt;${text}&lt;/p&gt;&lt;img src="https://a.example/late.jpg" width="1960"&gt;</description></item></channel></rss>`);
    expect(img).toBe('https://a.example/late.jpg');
  });
});
