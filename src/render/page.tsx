/**
 * The human page (`GET /`): one card per story, server-rendered with hono's JSX.
 *
 * With `sort=top` (the default, rank.ts) the page leads with the top stories,
 * those two or more outlets cover, in rank order under "Top stories"; the
 * rest of the page's stories follow under "More news", newest first. With
 * `sort=latest` it is one list, newest first.
 *
 * A card shows its lead article's image, headline (linking to that article)
 * and summary, all from that one article (stories.ts storyLead), the outlets
 * covering the story (a coloured monogram and the name: favicons would mean
 * loading third-party images for every outlet), why it ranks where it does
 * ("3 outlets · 4 articles · updated 20 minutes ago"), and a "Full coverage"
 * disclosure (<details>, so it works without script and from the keyboard)
 * listing every article, merged copies included.
 *
 * Filters are plain links (categories) and a GET form (outlet, search), so
 * the page works without script. Times are rendered as absolute <time>
 * elements; the few lines of script at the bottom turn them into "5 minutes
 * ago" in the reader's browser, so a page pre-rendered by the cron run never
 * shows a stale relative time. The same script drops empty form fields so a
 * filtered URL stays short. No framework, no external assets.
 *
 * Accessibility: landmarks (header, nav, search form, main, footer), one h1,
 * h2 for the list and h3 per story, a skip link, a visible focus ring on
 * everything focusable, alt text on every image, and colours chosen for at
 * least 4.5:1 contrast in both light and dark schemes (checked in
 * test/browser/page.browser.ts).
 */
import type { FC } from 'hono/jsx';
import type { Story } from '../model';
import type { StorySort } from '../query';
import type { SourceSnapshot, StoredEntry } from '../model';
import { storyLead } from './stories';
import { STORY_FEED_TITLE } from './storyfeeds';
import { FEED_DESCRIPTION, FEED_TITLE, entryLink } from './view';

export interface PageView {
  base: string;
  /** Canonical query string (with `?`) of the filters and order on this page, without cursor, or ''. */
  query: string;
  /** The same filters as the entry feeds take them (no order), or ''. */
  entryQuery: string;
  nextPath: string | null;
  stories: Story[];
  /** Stories in the top tier of sort=top (rank.ts); empty for sort=latest. */
  topIds: Set<string>;
  sort: StorySort;
  entriesById: Map<string, StoredEntry>;
  duplicates: Map<string, StoredEntry[]>;
  sources: Record<string, SourceSnapshot>;
  selectedSource: string | null;
  selectedCategory: string | null;
  search: string;
  filterLabel: string | null;
  updated: string;
  isFirstPage: boolean;
}

export const PAGE_CSS = `
:root{--bg:#f5f3ef;--fg:#1b1a19;--muted:#55504a;--card:#fff;--line:#dcd6cd;--accent:#8e1b3a;--focus:#0b57d0;--top:#17151b;--topfg:#f4efe6;--gold:#f2c14e;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#121113;--fg:#f1ede6;--muted:#b9b1a6;--card:#1d1b1f;--line:#38343a;--accent:#ff9db5;--focus:#8ab4f8;--top:#09080a}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;background:var(--bg);color:var(--fg)}
a{color:inherit}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:3px}
.skip{position:absolute;left:.5rem;top:-3rem;background:var(--card);color:var(--fg);padding:.5rem .75rem;z-index:2;border-radius:6px}
.skip:focus{top:.5rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.site{background:var(--top);color:var(--topfg);border-bottom:4px dotted var(--gold)}
header.site .in{max-width:76rem;margin:0 auto;padding:1rem;display:flex;flex-wrap:wrap;gap:.5rem 2rem;align-items:center;justify-content:space-between}
header.site h1{margin:0;font-size:1.6rem;line-height:1.1;letter-spacing:.18em;text-transform:uppercase;color:var(--gold);font-weight:800}
header.site h1 a{text-decoration:none}
header.site p{margin:.2rem 0 0;font-size:.9rem;color:var(--topfg)}
header.site ul{list-style:none;display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .5rem;margin:0;padding:0}
header.site nav ul+ul{margin-top:.35rem}
header.site nav li{font-size:.85rem}
header.site nav a{display:inline-block;font-size:.85rem;padding:.2rem .6rem;border:1px solid #6d6670;border-radius:999px;text-decoration:none;color:var(--topfg)}
header.site nav a:hover{border-color:var(--gold)}
.bar{max-width:76rem;margin:0 auto;padding:.75rem 1rem 0;display:flex;flex-wrap:wrap;gap:.75rem 1.5rem;align-items:end;justify-content:space-between}
.cats ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.4rem}
.cats a{display:inline-block;padding:.3rem .8rem;border-radius:999px;border:1px solid var(--line);background:var(--card);text-decoration:none;font-size:.9rem;text-transform:capitalize}
.cats a[aria-current=page]{background:var(--fg);color:var(--bg);border-color:var(--fg)}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;flex:0 1 34rem}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted);gap:.15rem;flex:1 1 8rem;min-width:0}
form.filters select,form.filters input,form.filters button{font:inherit;font-size:.95rem;height:2.4rem;padding:0 .55rem;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg);width:100%}
form.filters button{width:auto;padding:0 .9rem;background:var(--accent);color:#fff;border-color:var(--accent);font-weight:600;cursor:pointer}
@media (prefers-color-scheme:dark){form.filters button{color:#1b1a19}}
form.filters .clear{font-size:.9rem;line-height:2.4rem}
main{max-width:76rem;margin:0 auto;padding:1rem}
main h2{font-size:1.05rem;margin:.25rem 0 .75rem;color:var(--muted);font-weight:600}
main section+section{margin-top:1.75rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,21rem),1fr))}
article.story{background:var(--card);border:1px solid var(--line);border-radius:12px;overflow:hidden;display:flex;flex-direction:column;min-width:0}
.lead{width:100%;height:auto;aspect-ratio:16/9;object-fit:cover;display:block;background:var(--line);color:var(--muted);font-size:.8rem}
.story .body{padding:.9rem 1rem 1rem;display:flex;flex-direction:column;gap:.55rem;flex:1}
.story h3{font-size:1.125rem;line-height:1.3;margin:0;overflow-wrap:anywhere}
.story h3 a{text-decoration:none}.story h3 a:hover{text-decoration:underline}
.summary{margin:0;color:var(--muted);font-size:.95rem;overflow-wrap:anywhere}
.outlets{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.35rem .75rem;font-size:.85rem;font-weight:600}
.outlets li{display:flex;align-items:center;gap:.35rem}
.mono{display:inline-grid;place-items:center;width:1.35rem;height:1.35rem;border-radius:50%;color:#fff;font-size:.72rem;font-weight:700;flex:none}
.h0{background:#8e1b3a}.h1{background:#1d5c96}.h2{background:#2f6b2f}.h3{background:#7a4a00}.h4{background:#5b3a8c}.h5{background:#00677a}
.h6{background:#9c2f16}.h7{background:#3d4f63}.h8{background:#6b5200}.h9{background:#7d2a68}.h10{background:#19616b}.h11{background:#4f5b1a}
.meta{margin:0;font-size:.85rem;color:var(--muted)}
.story details{margin-top:auto;border-top:1px solid var(--line);padding-top:.5rem}
.story summary{cursor:pointer;font-size:.9rem;font-weight:600;color:var(--accent);padding:.15rem 0}
.coverage{list-style:none;margin:.4rem 0 0;padding:0;font-size:.9rem;display:flex;flex-direction:column;gap:.45rem}
.coverage span{display:block;color:var(--muted);font-size:.8rem}
.pages{margin:1.5rem 0;text-align:center}
.pages a{display:inline-block;padding:.5rem 1rem;border:1px solid var(--line);border-radius:999px;background:var(--card)}
.empty{color:var(--muted)}
footer{max-width:76rem;margin:0 auto;padding:1rem 1rem 2rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line)}
@media (min-width:56rem){.top .grid>article.story:first-child{grid-column:span 2;flex-direction:row}.top .grid>article.story:first-child .lead{width:55%;aspect-ratio:auto;min-height:100%}.top .grid>article.story:first-child h3{font-size:1.5rem}}
`.trim();

/**
 * Relative times and tidy filter URLs. Kept this small on purpose; the page works without it.
 */
export const PAGE_JS = `(()=>{const f=new Intl.RelativeTimeFormat('en',{numeric:'auto'}),u=[[60,'second'],[60,'minute'],[24,'hour'],[7,'day'],[4.35,'week'],[12,'month'],[1/0,'year']];
for(const t of document.querySelectorAll('time[data-rel]')){let d=(Date.parse(t.dateTime)-Date.now())/1e3;for(const[n,x]of u){if(Math.abs(d)<n){t.textContent=f.format(Math.round(d),x);break}d/=n}}
const m=document.querySelector('form.filters');m&&m.addEventListener('submit',()=>{for(const e of m.elements)if(e.name&&!e.value)e.disabled=true})})();`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `26 Nov 2026, 08:00 UTC`: the no-script text of a <time>. */
export function absoluteTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** Only http(s) links reach an href or src; anything else (javascript:, data:) is dropped. */
export function safeUrl(url: string | null | undefined): string | null {
  return url && /^https?:\/\//i.test(url) ? url : null;
}

/** One of 12 monogram colours, stable per source id. */
export function hueClass(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return `h${h % 12}`;
}

function initial(title: string): string {
  const m = /[\p{L}\p{N}]/u.exec(title);
  return m ? m[0].toUpperCase() : '?';
}

const When: FC<{ iso: string }> = ({ iso }) => (
  <time datetime={iso} data-rel="" title={absoluteTime(iso)}>{absoluteTime(iso)}</time>
);

const Outlet: FC<{ id: string; view: PageView }> = ({ id, view }) => {
  const title = view.sources[id]?.title ?? id;
  return (
    <li>
      <span class={`mono ${hueClass(id)}`} aria-hidden="true">{initial(title)}</span>
      {title}
    </li>
  );
};

/** Why a story is where it is: "3 outlets · 4 articles · updated <time>" (outlets only when more than one). */
const Why: FC<{ story: Story; articles: number }> = ({ story, articles }) => (
  <p class="meta">
    {story.outlets > 1 ? `${story.outlets} outlets · ` : ''}{articles} {articles === 1 ? 'article' : 'articles'} · updated <When iso={story.updated} />
  </p>
);

const Card: FC<{ story: Story; view: PageView }> = ({ story, view }) => {
  const lead = storyLead(story, view.entriesById);
  const members = story.entryIds.map((id) => view.entriesById.get(id)).filter((e): e is StoredEntry => !!e);
  const summary = lead.summary.length > 240 ? `${lead.summary.slice(0, 237).trimEnd()}…` : lead.summary;
  const coverage = members.flatMap((e) => [{ e, copy: false }, ...(view.duplicates.get(e.id) ?? []).map((d) => ({ e: d, copy: true }))]);
  const outletIds = [...new Set(coverage.map((c) => c.e.sourceId))];
  const image = safeUrl(lead.image);
  const hid = `h-${story.id}`;
  return (
    <article class="story" aria-labelledby={hid}>
      {image ? <img class="lead" src={image} alt={`Image: ${lead.title}`} width="640" height="360" loading="lazy" decoding="async" referrerpolicy="no-referrer" /> : null}
      <div class="body">
        <h3 id={hid}>{lead.url ? <a href={lead.url}>{lead.title}</a> : lead.title}</h3>
        {summary ? <p class="summary">{summary}</p> : null}
        <ul class="outlets" aria-label="Covered by">
          {outletIds.map((id) => <Outlet id={id} view={view} />)}
        </ul>
        <Why story={story} articles={coverage.length} />
        {coverage.length > 1 ? (
          <details>
            <summary>Full coverage <span class="vh">of “{lead.title}”</span> ({coverage.length} articles)</summary>
            <ul class="coverage">
              {coverage.map(({ e, copy }) => {
                const href = entryLink(e);
                return (
                  <li>
                    {href ? <a href={href}>{e.title}</a> : e.title}
                    <span>
                      {view.sources[e.sourceId]?.title ?? e.sourceId} · <When iso={e.published} />{copy ? ' · same article, merged' : ''}
                    </span>
                  </li>
                );
              })}
            </ul>
          </details>
        ) : null}
      </div>
    </article>
  );
};

/**
 * The page's sections: with sort=top, its top stories in rank order, then the others ("More
 * news", already newest first); with sort=latest, one list. Empty sections are left out.
 */
function sectionsOf(view: PageView): Array<{ cls: string; heading: string; stories: Story[] }> {
  const label = (h: string) => (view.filterLabel ? `${h} (${view.filterLabel})` : h);
  if (view.sort === 'latest') return view.stories.length ? [{ cls: 'latest', heading: label('Latest stories'), stories: view.stories }] : [];
  const top = view.stories.filter((s) => view.topIds.has(s.id));
  const more = view.stories.filter((s) => !view.topIds.has(s.id));
  return [
    { cls: 'top', heading: label(view.isFirstPage ? 'Top stories' : 'More top stories'), stories: top },
    { cls: 'more', heading: top.length ? 'More news' : label('More news'), stories: more },
  ].filter((sec) => sec.stories.length);
}

const Page: FC<{ view: PageView }> = ({ view }) => {
  const sources = Object.values(view.sources).sort((a, b) => a.title.localeCompare(b.title));
  const categories = [...new Set(sources.map((s) => s.category?.toLowerCase()).filter((c): c is string => !!c))].sort();
  const q = view.query;
  const eq = view.entryQuery;
  const home = `${view.base}/`;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{view.filterLabel ? `${FEED_TITLE} (${view.filterLabel})` : FEED_TITLE}</title>
        <meta name="description" content={FEED_DESCRIPTION} />
        <link rel="alternate" type="application/rss+xml" title={`${STORY_FEED_TITLE} (RSS)`} href={`${view.base}/stories.xml${q}`} />
        <link rel="alternate" type="application/atom+xml" title={`${STORY_FEED_TITLE} (Atom)`} href={`${view.base}/stories.atom${q}`} />
        <link rel="alternate" type="application/feed+json" title={`${STORY_FEED_TITLE} (JSON Feed)`} href={`${view.base}/stories.feed.json${q}`} />
        <link rel="alternate" type="application/rss+xml" title={`${FEED_TITLE}, every article (RSS)`} href={`${view.base}/feed.xml${eq}`} />
        <link rel="alternate" type="application/atom+xml" title={`${FEED_TITLE}, every article (Atom)`} href={`${view.base}/feed.atom${eq}`} />
        <link rel="alternate" type="application/feed+json" title={`${FEED_TITLE}, every article (JSON Feed)`} href={`${view.base}/feed.json${eq}`} />
        <style dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
      </head>
      <body>
        <a class="skip" href="#stories">Skip to stories</a>
        <header class="site">
          <div class="in">
            <div>
              <h1><a href={home}>Marquee</a></h1>
              <p>{FEED_DESCRIPTION}</p>
            </div>
            <nav aria-label="Subscribe">
              <ul>
                <li>Stories:</li>
                <li><a href={`${view.base}/stories.xml${q}`}>RSS <span class="vh">of the stories</span></a></li>
                <li><a href={`${view.base}/stories.atom${q}`}>Atom <span class="vh">of the stories</span></a></li>
                <li><a href={`${view.base}/stories.feed.json${q}`}>JSON Feed <span class="vh">of the stories</span></a></li>
              </ul>
              <ul>
                <li>Every article:</li>
                <li><a href={`${view.base}/feed.xml${eq}`}>RSS <span class="vh">of every article</span></a></li>
                <li><a href={`${view.base}/feed.atom${eq}`}>Atom <span class="vh">of every article</span></a></li>
                <li><a href={`${view.base}/feed.json${eq}`}>JSON Feed <span class="vh">of every article</span></a></li>
                <li><a href={`${view.base}/sources.opml`}>OPML</a></li>
              </ul>
            </nav>
          </div>
        </header>
        <div class="bar">
          <nav class="cats" aria-label="Categories">
            <ul>
              <li><a href={home} aria-current={!view.selectedCategory && !view.selectedSource && !view.search ? 'page' : undefined}>All</a></li>
              {categories.map((c) => (
                <li><a href={`${home}?category=${encodeURIComponent(c)}`} aria-current={view.selectedCategory === c ? 'page' : undefined}>{c}</a></li>
              ))}
            </ul>
          </nav>
          <form class="filters" role="search" method="get" action={home} aria-label="Filter stories">
            {view.selectedCategory ? <input type="hidden" name="category" value={view.selectedCategory} /> : null}
            {view.sort === 'latest' ? <input type="hidden" name="sort" value="latest" /> : null}
            <label>
              Outlet
              <select name="source">
                <option value="">All outlets</option>
                {sources.map((s) => <option value={s.id} selected={view.selectedSource === s.id}>{s.title}</option>)}
              </select>
            </label>
            <label>
              Search
              <input type="search" name="q" value={view.search} placeholder="e.g. festival" />
            </label>
            <button type="submit">Show</button>
            {view.filterLabel ? <a class="clear" href={home}>Clear filters</a> : null}
          </form>
        </div>
        <main id="stories" tabindex={-1}>
          {view.stories.length === 0 ? (
            <>
              <h2>{view.filterLabel ? `Stories (${view.filterLabel})` : 'Stories'}</h2>
              <p class="empty">{view.filterLabel ? 'No stories match these filters.' : 'No stories yet. The next refresh will bring some.'}</p>
            </>
          ) : null}
          {sectionsOf(view).map((sec) => (
            <section class={sec.cls} aria-labelledby={`sec-${sec.cls}`}>
              <h2 id={`sec-${sec.cls}`}>{sec.heading}</h2>
              <div class="grid">
                {sec.stories.map((s) => <Card story={s} view={view} />)}
              </div>
            </section>
          ))}
          {view.nextPath ? <nav class="pages" aria-label="Pages"><a rel="next" href={`${view.base}${view.nextPath}`}>Older stories</a></nav> : null}
        </main>
        <footer>
          <p>
            Updated <When iso={view.updated} />. {sources.length} outlets, duplicates merged, related coverage grouped.
            Headlines, summaries and images belong to the outlets they link to.
          </p>
        </footer>
        <script dangerouslySetInnerHTML={{ __html: PAGE_JS }} />
      </body>
    </html>
  );
};

export function renderPage(view: PageView): string {
  return `<!doctype html>${(<Page view={view} />).toString()}`;
}

/** A minimal page for a bad request to `/` (the API routes answer JSON instead). */
export function renderErrorPage(title: string, message: string): string {
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Marquee`}</title>
      </head>
      <body>
        <main>
          <h1>{title}</h1>
          <p>{message}</p>
          <p><a href="/">Back to all stories</a></p>
        </main>
      </body>
    </html>
  );
  return `<!doctype html>${page.toString()}`;
}
