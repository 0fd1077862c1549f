/**
 * The committed fixture feeds (test/fixtures/feeds) as a source list, for a fixture server at
 * `origin`. Used by the workerd suites and the client tests alike.
 */
export interface FixtureSource {
  id: string;
  url: string;
  title?: string;
  home_page_url?: string;
  category: string;
}

export function fixtureSources(origin: string): FixtureSource[] {
  const o = origin;
  return [
    { id: 'bbc', url: `${o}/feeds/bbc-world.xml`, title: 'BBC News - World', home_page_url: 'https://www.bbc.co.uk/news/', category: 'news' },
    { id: 'buzzfeed', url: `${o}/feeds/buzzfeed.xml`, title: 'BuzzFeed', category: 'celebrity' },
    { id: 'nyt', url: `${o}/feeds/nyt.xml`, title: 'NYT', category: 'news' },
    { id: 'guardian', url: `${o}/feeds/guardian.xml`, title: 'The Guardian', category: 'culture' },
    { id: 'telegraph', url: `${o}/feeds/telegraph.xml`, category: 'news' },
    { id: 'verge', url: `${o}/feeds/verge.atom`, title: 'The Verge', category: 'tech' },
    { id: 'inessential', url: `${o}/feeds/inessential.json`, category: 'tech' },
    // The same document under another id: every item is a cross-source duplicate.
    { id: 'bbc-mirror', url: `${o}/feeds/bbc-world.xml?mirror=1`, title: 'BBC mirror', category: 'news' },
  ];
}
