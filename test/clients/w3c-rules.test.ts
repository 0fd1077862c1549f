/**
 * The W3C rule checks (w3c-rules.ts) catch what they name, and Marquee's renderers give them
 * nothing to say on the fixture catalog. The client suite runs the same checks on every view of
 * the real-feed set (w3c.client.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseListQuery } from '../../src/query';
import { entryPageOf, indexBundle, renderEntryPage } from '../../src/render/index';
import { BODIES, fixtureEntryBundle } from '../render/catalog-fixture';
import { w3cMessages } from './w3c-rules';

const names = (xml: string) => w3cMessages(xml).map((m) => m.message).sort();
const rss = (item: string) => `<?xml version="1.0"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>\n<item>\n${item}\n</item>\n</channel></rss>`;
const atom = (entry: string) => `<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>\n<entry>\n<id>1</id>\n<updated>2026-01-01T00:00:00Z</updated>\n${entry}\n</entry>\n</feed>`;

describe('W3C rule checks', () => {
  it('find each message the issue lists, in the shapes Marquee used to write', () => {
    expect(names(atom('<title>a</title>\n<link rel="alternate" href="https://x.example/"/>\n<source>\n<id>https://s.example/</id>\n<title>S</title>\n</source>')))
      .toEqual(['MissingSourceElement', 'MissingTextualContent']);
    expect(names(atom('<title>a</title>\n<link rel="alternate" href="https://x.example/"/>\n<summary type="html"></summary>'))).toEqual(['NotBlank']);
    expect(names(rss('<title>a</title>\n<content:encoded>&lt;p&gt;x&lt;/p&gt;</content:encoded>'))).toEqual(['NeedDescriptionBeforeContent']);
    expect(names(rss('<title>a</title>\n<description>&lt;iframe src="https://www.youtube.com/embed/x" sandbox="allow-scripts"&gt;&lt;/iframe&gt;&lt;video controls src="https://v.example/a.mp4"&gt;&lt;/video&gt;</description>')))
      .toEqual(['SecurityRisk', 'SecurityRiskAttr', 'SecurityRiskAttr']);
    expect(names(rss('<title>FCC Says Releasing &amp;#8216;Jokes&amp;#8217;</title>'))).toEqual(['ContainsHTML']);
    expect(names(rss('<title>Love &lt;3 and &lt;b&gt;bold</title>'))).toEqual(['CharacterData']);
    expect(names(atom('<title type="text">Use &lt;/p&gt; here</title>\n<link rel="alternate" href="https://x.example/"/>\n<summary>s</summary>'))).toEqual(['ContainsUndeclaredHTML']);
    expect(names(rss('<title>a</title>\n<description>&lt;a href="/rel"&gt;x&lt;/a&gt;</description>\n<enclosure url="https://a.example/1.mp3" length="0" type="audio/mpeg"/>\n<enclosure url="https://a.example/2.mp3" length="x" type="mp3"/>')))
      .toEqual(['ContainsRelRef', 'DuplicateEnclosure', 'InvalidIntegerAttribute', 'InvalidMIMEAttribute']);
  });

  it('accept plain text written with hexadecimal references, as the RSS profile asks', () => {
    expect(names(rss('<title>Love &#x3C;3 &#x26; AT&#x26;T, &#x26;#8216;</title>'))).toEqual([]);
    expect(names(rss('<title>AT&amp;T and R&amp;D</title>'))).toEqual([]);
  });

  it("have nothing to say about Marquee's RSS and Atom for the fixture catalog but DuplicateUpdated", () => {
    const q = parseListQuery(new URLSearchParams('limit=100'));
    const bundle = fixtureEntryBundle(q);
    const idx = indexBundle(bundle);
    const page = entryPageOf(bundle);
    for (const fmt of ['rss', 'atom'] as const) {
      const doc = renderEntryPage(fmt, idx, page, q, BODIES, { base: 'https://marquee.example', ttlMinutes: 15 });
      // One title is, as text, "... for <script>alert(1)</script>": an HTML end tag in plain text is
      // flagged however it is escaped, and Marquee does not change a title's text to avoid it.
      const messages = w3cMessages(doc, fmt).filter((m) => m.message !== 'DuplicateUpdated');
      expect(messages.map((m) => `${m.message} ${m.detail}`)).toEqual([`${fmt === 'rss' ? 'ContainsHTML' : 'ContainsUndeclaredHTML'} </script> in "Bell rings \u{1F3B5} for <script>alert(1)</script>"`]);
    }
  });
});
