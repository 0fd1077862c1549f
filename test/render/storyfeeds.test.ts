/**
 * The story feeds (src/render/storyfeeds.ts) on the renderers' fixture
 * catalog: one item per story with the story id, every field of the lead
 * article and none of another's, the full coverage with copies folded,
 * `updated` that follows coverage growth, paging, and WebSub hub links only
 * where they are given. XML through a real parser, JSON against
 * schemas/storyfeed.schema.json. feedparser and newsboat read them in
 * test/clients.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Story } from '../../src/model';
import { parseListQuery } from '../../src/query';
import { indexBundle, renderStoryFeed, storyPageOf, type StoryFeedFormat } from '../../src/render/index';
import { storyLead } from '../../src/render/stories';
import { responseSchemaErrors } from '../support/schemas';
import { ENTRIES, SOURCES, fixtureStoryBundle } from './catalog-fixture';

const BASE = 'https://marquee.example';
const parser = new XMLParser({
  ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', htmlEntities: true, parseTagValue: false, parseAttributeValue: false,
  isArray: (name) => ['item', 'entry', 'link', 'atom:link', 'author'].includes(name),
});
const PATHS: Record<StoryFeedFormat, string> = { storiesRss: '/stories.xml', storiesAtom: '/stories.atom', storiesJson: '/stories.feed.json' };

function render(fmt: StoryFeedFormat, search = '', hubs: string[] = [], mutate?: (s: Story) => Story) {
  const q = parseListQuery(new URLSearchParams(search));
  const bundle = fixtureStoryBundle(q);
  if (mutate) bundle.stories = bundle.stories.map(mutate);
  const body = renderStoryFeed(fmt, indexBundle(bundle), storyPageOf(bundle), q, new Map(bundle.bodies), {
    base: BASE, ttlMinutes: 15, requestPath: `${PATHS[fmt]}${search ? `?${search}` : ''}`, hubs,
  });
  return { body, bundle };
}

function xml(doc: string): any {
  expect(XMLValidator.validate(doc)).toBe(true);
  return parser.parse(doc);
}

const byId = new Map(ENTRIES.map((e) => [e.id, e]));
const oscars = () => fixtureStoryBundle(parseListQuery(new URLSearchParams())).stories.find((s) => s.id === 'st_oscars')!;

describe('JSON Feed 1.1 of stories', () => {
  it('validates, one item per story with the story id, in the order of /stories.json', () => {
    const { body, bundle } = render('storiesJson');
    const doc = JSON.parse(body);
    expect(responseSchemaErrors('storyfeed', doc)).toEqual([]);
    expect(doc.items.map((i: any) => i.id)).toEqual(bundle.stories.map((s) => s.id));
    expect(doc.feed_url).toBe(`${BASE}/stories.feed.json`);
    expect(doc.hubs).toBeUndefined();
  });

  it('takes headline, link, summary and image from the lead article only', () => {
    const doc = JSON.parse(render('storiesJson').body);
    for (const item of doc.items) {
      const story = fixtureStoryBundle(parseListQuery(new URLSearchParams())).stories.find((s) => s.id === item.id)!;
      const lead = byId.get(story.leadId)!;
      expect(item._marquee.story.lead_id).toBe(lead.id);
      expect(item.title).toBe(lead.title);
      expect(item.url ?? null).toBe(storyLead(story, byId).url);
      expect(item.summary ?? '').toBe(lead.summaryText);
      expect(item.image ?? null).toBe(lead.image);
    }
    // The Oscars story leads with Deadline's report, which has no image: Variety's is not borrowed.
    const o = doc.items.find((i: any) => i.id === 'st_oscars');
    expect(o.title).toBe('The Oscar nominees are in');
    expect(o.image).toBeUndefined();
  });

  it('lists the full coverage: every outlet, copies folded under their article, outlets as authors', () => {
    const o = JSON.parse(render('storiesJson').body).items.find((i: any) => i.id === 'st_oscars');
    expect(o.authors.map((a: any) => a.name)).toEqual(['Deadline', 'Variety']);
    expect(o._marquee.coverage.map((c: any) => [c.source_id, c.duplicates.map((d: any) => d.source_id)])).toEqual([['variety', ['deadline']], ['deadline', []]]);
    expect(o.content_html).toContain('Full coverage, 2 outlets:');
    expect(o.content_html).toContain('(also: <a href="https://variety.com/2026/film/oscars?x=1&amp;y=2">Deadline</a>)');
    expect(o.content_html.match(/<li>/g)).toHaveLength(2);
  });

  it('moves date_modified when the story gains a member, and never date_published', () => {
    const before = JSON.parse(render('storiesJson').body).items.find((i: any) => i.id === 'st_oscars');
    const grown = '2026-11-26T12:30:00.000Z';
    const after = JSON.parse(render('storiesJson', '', [], (s) => (s.id === 'st_oscars' ? { ...s, grownAt: grown } : s)).body).items.find((i: any) => i.id === 'st_oscars');
    expect(before.date_modified).toBe(oscars().updated);
    expect(after.date_modified).toBe(grown);
    expect(after.date_published).toBe(before.date_published);
  });
});

describe('RSS 2.0 and Atom 1.0 of stories', () => {
  it('RSS: a tag: guid per story, the first report as pubDate, description before content:encoded', () => {
    const { body, bundle } = render('storiesRss', 'limit=4');
    const ch = xml(body).rss.channel;
    expect(ch.item.map((i: any) => i.guid['#text'])).toEqual(bundle.stories.map((s) => `tag:marquee,2026:story:${s.id}`));
    const o = ch.item.find((i: any) => i.guid['#text'] === 'tag:marquee,2026:story:st_oscars');
    expect(new Date(o.pubDate).toISOString()).toBe(oscars().first);
    expect(o.link).toEqual([storyLead(oscars(), byId).url]);
    // Every item has a description, before content:encoded when there is one (NeedDescriptionBeforeContent).
    for (const item of body.split('<item>').slice(1)) {
      const d = item.indexOf('<description>');
      expect(d).toBeGreaterThan(0);
      const c = item.indexOf('<content:encoded>');
      if (c >= 0) expect(d).toBeLessThan(c);
    }
    const links = Object.fromEntries(ch['atom:link'].map((l: any) => [l['@rel'], l['@href']]));
    expect(links.self).toBe(`${BASE}/stories.xml?limit=4`);
    expect(links.next).toMatch(/^https:\/\/marquee\.example\/stories\.xml\?limit=4&cursor=/);
    expect(links.hub).toBeUndefined();
  });

  it('Atom: feed id from the filters and order, entry ids, published = first report, updated moves with coverage', () => {
    const feed = xml(render('storiesAtom').body).feed;
    expect(feed.id).toBe('tag:marquee,2026:stories');
    expect(xml(render('storiesAtom', 'sort=latest&category=film').body).feed.id).toBe('tag:marquee,2026:stories?sort=latest&category=film');
    const o = feed.entry.find((e: any) => e.id === 'tag:marquee,2026:story:st_oscars');
    expect(o.published).toBe(oscars().first);
    expect(o.updated).toBe(oscars().updated);
    expect(o.author.map((a: any) => a.name)).toEqual(['Deadline', 'Variety']);
    const grown = xml(render('storiesAtom', '', [], (s) => ({ ...s, grownAt: '2026-11-26T12:45:00.000Z' })).body).feed;
    expect(grown.entry.find((e: any) => e.id === o.id).updated).toBe('2026-11-26T12:45:00.000Z');
    expect(grown.updated).toBe('2026-11-26T12:45:00.000Z');
  });

  it('pages with the same filters as /stories.json: every story once', () => {
    const all = render('storiesJson', 'limit=500').bundle.stories.map((s) => s.id);
    const seen: string[] = [];
    let search = 'limit=3';
    for (let i = 0; i < 20 && search; i++) {
      const feed = xml(render('storiesAtom', search).body).feed;
      seen.push(...feed.entry.map((e: any) => e.id.replace('tag:marquee,2026:story:', '')));
      const next = feed.link.find((l: any) => l['@rel'] === 'next');
      search = next ? new URL(next['@href']).search.slice(1) : '';
    }
    expect(seen).toEqual(all);
    expect(new Set(render('storiesJson', 'category=music&limit=500').bundle.stories.flatMap((s) => s.sourceIds))).toEqual(new Set(['billboard']));
  });
});

describe('WebSub hub links', () => {
  it('are written as rel="hub" beside rel="self" in RSS and Atom, and as hubs in JSON Feed, only when given', () => {
    const hub = 'https://hub.example/';
    const rss = xml(render('storiesRss', '', [hub]).body).rss.channel['atom:link'];
    expect(rss.filter((l: any) => l['@rel'] === 'hub').map((l: any) => l['@href'])).toEqual([hub]);
    const atom = xml(render('storiesAtom', '', [hub]).body).feed.link;
    expect(atom.filter((l: any) => l['@rel'] === 'hub').map((l: any) => l['@href'])).toEqual([hub]);
    const json = JSON.parse(render('storiesJson', '', [hub]).body);
    expect(json.hubs).toEqual([{ type: 'WebSub', url: hub }]);
    expect(responseSchemaErrors('storyfeed', json)).toEqual([]);
    expect(SOURCES.variety.title).toBe('Variety');
  });
});
