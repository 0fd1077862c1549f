/**
 * The human page (`GET /`): one card per story, server-rendered with hono's
 * JSX. A card shows the lead image, the headline, a short summary, the
 * outlets covering it, when, and a "full coverage" disclosure listing every
 * article. Times are rendered as absolute <time> elements; the few lines of
 * script at the bottom turn them into "5 min ago" in the reader's browser,
 * so a page rendered by the cron run never shows a stale relative time.
 */
import type { FC } from 'hono/jsx';
import type { Story } from '../model';
import type { SourceSnapshot, StoredEntry } from '../store';
import { storyLead } from './stories';
import { FEED_DESCRIPTION, FEED_TITLE } from './view';

export interface PageView {
  base: string;
  /** Query string (with `?`) of this page, or ''. */
  query: string;
  nextPath: string | null;
  stories: Story[];
  entriesById: Map<string, StoredEntry>;
  duplicates: Map<string, StoredEntry[]>;
  sources: Record<string, SourceSnapshot>;
  selectedSource: string | null;
  selectedCategory: string | null;
  updated: string;
}

const CSS = `
:root{--bg:#fbfaf8;--fg:#1c1b1a;--muted:#5c5752;--card:#fff;--line:#e4e0da;--accent:#8a1538;--focus:#0b57d0}
@media (prefers-color-scheme:dark){:root{--bg:#141312;--fg:#f2efea;--muted:#b8b1a8;--card:#1e1d1b;--line:#34312d;--accent:#ff8fab;--focus:#8ab4f8}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
a{color:inherit}a:focus-visible,summary:focus-visible,select:focus-visible,button:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header.site{padding:1rem;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline;justify-content:space-between}
header.site h1{margin:0;font-size:1.5rem;letter-spacing:-.01em}header.site p{margin:0;color:var(--muted);font-size:.9rem}
nav.feeds a{margin-right:.75rem;font-size:.9rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
form.filters select,form.filters button{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
main{max-width:72rem;margin:0 auto;padding:1rem;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr))}
article.story{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;display:flex;flex-direction:column}
article.story img{width:100%;aspect-ratio:16/9;object-fit:cover;display:block;background:var(--line)}
article.story .body{padding:.9rem 1rem 1rem;display:flex;flex-direction:column;gap:.5rem}
article.story h2{font-size:1.1rem;line-height:1.3;margin:0}article.story h2 a{text-decoration:none}article.story h2 a:hover{text-decoration:underline}
.summary{margin:0;color:var(--muted);font-size:.95rem}
.meta{font-size:.8rem;color:var(--muted);display:flex;flex-wrap:wrap;gap:.25rem .75rem}
.outlets{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.35rem}
.outlets li{font-size:.75rem;border:1px solid var(--line);border-radius:999px;padding:.05rem .55rem}
details summary{cursor:pointer;font-size:.85rem;color:var(--accent)}details ul{padding-left:1.1rem;margin:.4rem 0 0;font-size:.9rem}
details li{margin:.25rem 0}details li small{color:var(--muted)}
.more{grid-column:1/-1;text-align:center}.empty{grid-column:1/-1;color:var(--muted)}
`;

const RELATIVE_TIME_JS = `(()=>{const f=new Intl.RelativeTimeFormat(undefined,{numeric:'auto'});const u=[[60,'second'],[60,'minute'],[24,'hour'],[7,'day'],[4.35,'week'],[12,'month'],[1/0,'year']];for(const t of document.querySelectorAll('time[data-rel]')){let d=(Date.parse(t.dateTime)-Date.now())/1e3;for(const[n,x]of u){if(Math.abs(d)<n){t.textContent=f.format(Math.round(d),x);break}d/=n}}})();`;

const fmt = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const When: FC<{ iso: string }> = ({ iso }) => (
  <time datetime={iso} data-rel="" title={fmt(iso)}>{fmt(iso)}</time>
);

const Card: FC<{ story: Story; view: PageView }> = ({ story, view }) => {
  const lead = storyLead(story, view.entriesById);
  const members = story.entryIds.map((id) => view.entriesById.get(id)).filter((e): e is StoredEntry => !!e);
  const head = members.find((e) => e.title === story.title) ?? members[0];
  const headUrl = head ? head.url ?? head.originalUrl : null;
  const summary = lead.summary.length > 260 ? `${lead.summary.slice(0, 257).trimEnd()}…` : lead.summary;
  const copies = members.reduce((n, e) => n + (view.duplicates.get(e.id)?.length ?? 0), 0);
  return (
    <article class="story" aria-labelledby={`h-${story.id}`}>
      {lead.image ? <img src={lead.image} alt={`Image for: ${story.title}`} loading="lazy" decoding="async" /> : null}
      <div class="body">
        <h2 id={`h-${story.id}`}>{headUrl ? <a href={headUrl}>{story.title}</a> : story.title}</h2>
        {summary ? <p class="summary">{summary}</p> : null}
        <ul class="outlets" aria-label="Outlets covering this story">
          {story.sourceIds.map((id) => <li>{view.sources[id]?.title ?? id}</li>)}
        </ul>
        <p class="meta">
          <span>Updated <When iso={story.updated} /></span>
          <span>{story.size} {story.size === 1 ? 'article' : 'articles'}{copies ? `, ${copies} ${copies === 1 ? 'copy' : 'copies'} merged` : ''}</span>
        </p>
        {members.length > 1 ? (
          <details>
            <summary>Full coverage ({members.length} articles)</summary>
            <ul>
              {members.map((e) => (
                <li>
                  <a href={e.url ?? e.originalUrl ?? '#'}>{e.title}</a>{' '}
                  <small>{view.sources[e.sourceId]?.title ?? e.sourceId}, <When iso={e.published} /></small>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </div>
    </article>
  );
};

const Page: FC<{ view: PageView }> = ({ view }) => {
  const sources = Object.values(view.sources).sort((a, b) => a.title.localeCompare(b.title));
  const categories = [...new Set(sources.map((s) => s.category).filter((c): c is string => !!c))].sort();
  const q = view.query;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{FEED_TITLE}</title>
        <meta name="description" content={FEED_DESCRIPTION} />
        <link rel="alternate" type="application/rss+xml" title={`${FEED_TITLE} (RSS)`} href={`${view.base}/feed.xml${q}`} />
        <link rel="alternate" type="application/atom+xml" title={`${FEED_TITLE} (Atom)`} href={`${view.base}/feed.atom${q}`} />
        <link rel="alternate" type="application/feed+json" title={`${FEED_TITLE} (JSON Feed)`} href={`${view.base}/feed.json${q}`} />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header class="site">
          <div>
            <h1>Marquee</h1>
            <p>{FEED_DESCRIPTION}</p>
          </div>
          <nav class="feeds" aria-label="Subscribe">
            <a href={`${view.base}/feed.xml${q}`}>RSS</a>
            <a href={`${view.base}/feed.atom${q}`}>Atom</a>
            <a href={`${view.base}/feed.json${q}`}>JSON Feed</a>
            <a href={`${view.base}/sources.opml`}>OPML</a>
          </nav>
        </header>
        <form class="filters" method="get" action={`${view.base}/`} aria-label="Filter stories">
          <label>
            Category
            <select name="category">
              <option value="">All categories</option>
              {categories.map((c) => <option value={c} selected={view.selectedCategory === c}>{c}</option>)}
            </select>
          </label>
          <label>
            Outlet
            <select name="source">
              <option value="">All outlets</option>
              {sources.map((s) => <option value={s.id} selected={view.selectedSource === s.id}>{s.title}</option>)}
            </select>
          </label>
          <button type="submit">Filter</button>
        </form>
        <main>
          {view.stories.length === 0 ? <p class="empty">No stories yet. The next refresh will bring some.</p> : null}
          {view.stories.map((s) => <Card story={s} view={view} />)}
          {view.nextPath ? <p class="more"><a href={`${view.base}${view.nextPath}`}>Older stories</a></p> : null}
        </main>
        <script dangerouslySetInnerHTML={{ __html: RELATIVE_TIME_JS }} />
      </body>
    </html>
  );
};

export function renderPage(view: PageView): string {
  return `<!doctype html>${(<Page view={view} />).toString()}`;
}
