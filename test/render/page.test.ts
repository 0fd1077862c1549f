/**
 * The HTML page as markup: structure, escaping and links, parsed with
 * htmlparser2. How it looks and behaves in a browser is
 * test/browser/page.browser.ts's job.
 */
import { DomUtils, parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { parseListQuery } from '../../src/query';
import { indexBundle, renderHomePage, storyPageOf } from '../../src/render/index';
import { absoluteTime, hueClass } from '../../src/render/page';
import { fixtureStoryBundle } from './catalog-fixture';

const BASE = 'https://marquee.example';
const { findAll, findOne, getAttributeValue, textContent } = DomUtils;
type Element = Parameters<Parameters<typeof findAll>[0]>[0];

function page(search = '') {
  const q = parseListQuery(new URLSearchParams(search));
  const bundle = fixtureStoryBundle(q);
  const html = renderHomePage(indexBundle(bundle), storyPageOf(bundle), q, { base: BASE, ttlMinutes: 15 });
  const doc = parseDocument(html);
  const all = (pred: (e: Element) => boolean) => findAll(pred, doc.children);
  return { html, doc, all, stories: bundle.stories };
}

describe('the HTML page', () => {
  it('has one article per story, each headed by an h3 linking to its source article', () => {
    const { all, stories, html } = page();
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    const cards = all((e) => e.name === 'article');
    expect(cards).toHaveLength(stories.length);
    expect(all((e) => e.name === 'h1')).toHaveLength(1);
    cards.forEach((card, i) => {
      const h3 = findOne((e) => e.name === 'h3', card.children)!;
      expect(textContent(h3)).toBe(stories[i].title);
      expect(getAttributeValue(card, 'aria-labelledby')).toBe(getAttributeValue(h3, 'id'));
    });
  });

  it('offers the story feeds, then the article feeds, for auto-discovery, carrying the filters and the order', () => {
    const { all } = page('category=film&source=variety&sort=latest');
    const alt = all((e) => e.name === 'link' && getAttributeValue(e, 'rel') === 'alternate');
    expect(alt.map((e) => [getAttributeValue(e, 'type'), getAttributeValue(e, 'href')])).toEqual([
      ['application/rss+xml', `${BASE}/stories.xml?sort=latest&source=variety&category=film`],
      ['application/atom+xml', `${BASE}/stories.atom?sort=latest&source=variety&category=film`],
      ['application/feed+json', `${BASE}/stories.feed.json?sort=latest&source=variety&category=film`],
      ['application/rss+xml', `${BASE}/feed.xml?source=variety&category=film`],
      ['application/atom+xml', `${BASE}/feed.atom?source=variety&category=film`],
      ['application/feed+json', `${BASE}/feed.json?source=variety&category=film`],
    ]);
    expect(alt.map((e) => getAttributeValue(e, 'title'))).toEqual([
      'Marquee: top stories (RSS)', 'Marquee: top stories (Atom)', 'Marquee: top stories (JSON Feed)',
      'Marquee: entertainment news, every article (RSS)', 'Marquee: entertainment news, every article (Atom)', 'Marquee: entertainment news, every article (JSON Feed)',
    ]);
  });

  it('lists every article of a story, merged copies included, under "Full coverage"', () => {
    const { all } = page();
    const card = all((e) => e.name === 'article' && getAttributeValue(e, 'aria-labelledby') === 'h-st_oscars')[0];
    const details = findOne((e) => e.name === 'details', card.children)!;
    expect(textContent(findOne((e) => e.name === 'summary', details.children)!)).toMatch(/^Full coverage .*\(3 articles\)$/);
    const items = findAll((e) => e.name === 'li', details.children);
    expect(items.map((li) => textContent(findOne((e) => e.name === 'a', li.children)!))).toEqual([
      'Oscars & <Stuff>: "the" nominees', 'Oscars & <Stuff>: "the" nominees', 'The Oscar nominees are in',
    ]);
    expect(textContent(items[1])).toContain('same article, merged');
    const outlets = findOne((e) => e.name === 'ul' && getAttributeValue(e, 'class') === 'outlets', card.children)!;
    expect(textContent(outlets)).toBe('VVarietyDDeadline');
  });

  it('escapes text, gives every image alt text, and never writes a non-http link', () => {
    const { html, all } = page();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const img of all((e) => e.name === 'img')) expect(getAttributeValue(img, 'alt')?.length).toBeGreaterThan(5);
    for (const a of all((e) => e.name === 'a')) expect(getAttributeValue(a, 'href')).toMatch(/^(https?:\/\/|#)/);
    const js = all((e) => e.name === 'article' && getAttributeValue(e, 'aria-labelledby') === 'h-st_js')[0];
    expect(findAll((e) => e.name === 'a', js.children)).toHaveLength(0);
  });

  it('marks the current category, keeps the filters in the form, and links the next page', () => {
    const { all } = page('category=film&limit=3');
    const current = all((e) => e.name === 'a' && getAttributeValue(e, 'aria-current') === 'page');
    expect(current.map(textContent)).toEqual(['film']);
    const hidden = all((e) => e.name === 'input' && getAttributeValue(e, 'type') === 'hidden');
    expect(hidden.map((e) => [getAttributeValue(e, 'name'), getAttributeValue(e, 'value')])).toEqual([['category', 'film']]);
    const next = all((e) => e.name === 'a' && getAttributeValue(e, 'rel') === 'next');
    expect(getAttributeValue(next[0], 'href')).toMatch(/^https:\/\/marquee\.example\/\?category=film&limit=3&cursor=/);
  });

  it('leads with the top stories in rank order, then "More news" newest first, each saying why', () => {
    const { all, stories } = page();
    const sections = all((e) => e.name === 'section');
    expect(sections.map((sec) => textContent(findOne((e) => e.name === 'h2', sec.children)!))).toEqual(['Top stories', 'More news']);
    const ids = (sec: Element) => findAll((e) => e.name === 'article', sec.children).map((a) => getAttributeValue(a, 'aria-labelledby')!.slice(2));
    expect(ids(sections[0])).toEqual(['st_oscars']);
    const more = ids(sections[1]);
    const updated = more.map((id) => stories.find((s) => s.id === id)!.updated);
    expect([...updated].sort().reverse()).toEqual(updated);
    const meta = (id: string) => textContent(all((e) => e.name === 'article' && getAttributeValue(e, 'aria-labelledby') === `h-${id}`)[0].children.flatMap((c) => findAll((e) => e.name === 'p' && getAttributeValue(e, 'class') === 'meta', [c])).at(0)!);
    expect(meta('st_oscars')).toMatch(/^2 outlets · 3 articles · updated \d+ Nov 2026, \d{2}:\d{2} UTC$/);
    expect(meta('st_bell')).toMatch(/^1 article · updated /);
  });

  it('shows one list, newest first, for sort=latest, and keeps the order in the form', () => {
    const { all } = page('sort=latest');
    expect(all((e) => e.name === 'h2').map(textContent)).toEqual(['Latest stories']);
    const hidden = all((e) => e.name === 'input' && getAttributeValue(e, 'type') === 'hidden');
    expect(hidden.map((e) => [getAttributeValue(e, 'name'), getAttributeValue(e, 'value')])).toEqual([['sort', 'latest']]);
  });

  it('heads each card with its lead article: headline, link, summary and image of one article', () => {
    const { all, stories } = page();
    const card = all((e) => e.name === 'article' && getAttributeValue(e, 'aria-labelledby') === 'h-st_oscars')[0];
    const oscars = stories.find((s) => s.id === 'st_oscars')!;
    expect(oscars.leadId).toBe('deadline:0000000000000002');
    expect(textContent(findOne((e) => e.name === 'h3', card.children)!)).toBe('The Oscar nominees are in');
    expect(getAttributeValue(findOne((e) => e.name === 'a', findOne((e) => e.name === 'h3', card.children)!.children)!, 'href')).toBe('https://example.com/deadline-0000000000000002');
    expect(textContent(findOne((e) => e.name === 'p' && getAttributeValue(e, 'class') === 'summary', card.children)!)).toBe('Summary of deadline:0000000000000002.');
    // The lead has no image; Variety's member does, and is not borrowed.
    expect(findAll((e) => e.name === 'img', card.children)).toHaveLength(0);
  });

  it('renders absolute times for readers without script, and stable monogram colours', () => {
    expect(absoluteTime('2026-11-26T08:05:00.000Z')).toBe('26 Nov 2026, 08:05 UTC');
    expect(hueClass('variety')).toBe(hueClass('variety'));
    expect(new Set(['variety', 'deadline', 'billboard', 'nyt', 'bbc', 'verge'].map(hueClass)).size).toBeGreaterThan(3);
  });
});
