/**
 * Real items from the labeled real-feed dev set (test/fixtures/eval/real-dev.jsonl, whose README
 * gives their provenance: the rowanmanning/sample-feeds captures of 5 April 2022, contents (c)
 * their publishers, used as test data only), for tests that need stories as real feeds make
 * them: two events covered by three outlets each, and a later single-outlet report.
 *
 *   - Bobbi-Anne McLeod murder plea: Sky News 08:58, The Telegraph 11:33, The Guardian 13:28
 *   - Elon Musk joins Twitter's board: HuffPost 12:49, The Telegraph 13:38, The New York Times 19:17
 *   - Twitter's edit button: The Next Web 22:10, alone
 *
 * `rssOf` writes an outlet's items as the RSS 2.0 its feed would serve.
 */
export interface RealItem {
  id: string;
  source: string;
  link: string;
  title: string;
  summary: string;
  published: string;
  event: string;
}

export const REAL_ITEMS: RealItem[] = [
  {
    "id": "d105",
    "source": "Sky News",
    "link": "https://news.sky.com/story/bobbi-anne-mcleod-musician-cody-ackland-admits-murdering-18-year-old-student-12582721",
    "title": "Musician admits murdering teenager Bobbi-Anne McLeod",
    "summary": "A musician has pleaded guilty to the murder of teenager Bobbi-Anne McLeod.",
    "published": "2022-04-05T08:58:00Z",
    "event": "dev-bobbi-anne-mcleod-murder-plea"
  },
  {
    "id": "d160",
    "source": "The Telegraph",
    "link": "https://www.telegraph.co.uk/news/2022/04/05/cody-ackland-pleads-guilty-murdering-plymouth-teenager-bobbi/",
    "title": "Cody Ackland pleads guilty to murdering Plymouth teenager Bobbi-Anne McCleod",
    "summary": "",
    "published": "2022-04-05T11:33:13Z",
    "event": "dev-bobbi-anne-mcleod-murder-plea"
  },
  {
    "id": "d185",
    "source": "HuffPost",
    "link": "https://www.huffpost.com/entry/elon-musk-twitter-board_n_624c3a31e4b0e44de9c70fcb",
    "title": "Elon Musk Is Joining Twitter’s Board And He’s Already Created A Stir",
    "summary": "Musk is joining Twitter’s board of directors, one day after it was disclosed that the Tesla CEO took a 9% stake in the social media platform.",
    "published": "2022-04-05T12:49:01Z",
    "event": "dev-musk-joins-twitter-board"
  },
  {
    "id": "d203",
    "source": "The Guardian",
    "link": "https://www.theguardian.com/uk-news/2022/apr/05/man-admits-murder-plymouth-teenager-bobbi-anne-mcleod-cody-ackland",
    "title": "Man, 24, admits murder of Plymouth teenager Bobbi-Anne McLeod",
    "summary": "Cody Ackland grabbed 18-year-old off street near her home last November before beating her to death Emotions still raw after mystifying death of Bobbi-Anne McLeod A 24-year-old rock musician has admitted murdering 18-year-old Bobbi-Anne McLeod, who disappeared from a bus stop in Devon in November last year. Cody Ackland grabbed McLeod, who was less than 5ft tall and looked younger than her age, of",
    "published": "2022-04-05T13:28:44Z",
    "event": "dev-bobbi-anne-mcleod-murder-plea"
  },
  {
    "id": "d208",
    "source": "The Telegraph",
    "link": "https://www.telegraph.co.uk/business/2022/04/05/elon-musk-floats-idea-editing-tweets-stock-swoop/",
    "title": "Elon Musk to join Twitter board",
    "summary": "",
    "published": "2022-04-05T13:38:59Z",
    "event": "dev-musk-joins-twitter-board"
  },
  {
    "id": "d388",
    "source": "The New York Times",
    "link": "https://www.nytimes.com/2022/04/04/business/twitter-elon-musk-directors.html",
    "title": "Elon Musk Joins Twitter Board",
    "summary": "After becoming Twitter’s largest shareholder, Elon Musk, Tesla’s chief executive, is joining the social media company’s board of directors.",
    "published": "2022-04-05T19:17:40Z",
    "event": "dev-musk-joins-twitter-board"
  },
  {
    "id": "d466",
    "source": "The Next Web",
    "link": "https://thenextweb.com/news/twitter-add-edit-button-for-blue-subscribers",
    "title": "Twitter to add edit button for Blue subscribers",
    "summary": "The edit button is finally coming to Twitter — some strings attached. You’ve asked for it — nay, demanded it — since the day the website launched and now you’re getting it. Well, sort of. now that everyone is asking… yes, we’ve been working on an edit feature since last year! no, we didn’t get the idea from a poll 😉 we're kicking off testing within @TwitterBlue Labs in the coming months to learn w",
    "published": "2022-04-05T22:10:54Z",
    "event": "dev-twitter-edit-button"
  }
];

export const byId = (id: string): RealItem => {
  const it = REAL_ITEMS.find((i) => i.id === id);
  if (!it) throw new Error(`no real item ${id}`);
  return it;
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An RSS 2.0 document of these items, newest first, as the outlet's feed would serve it. */
export function rssOf(outlet: string, items: RealItem[]): string {
  const sorted = [...items].sort((a, b) => (a.published < b.published ? 1 : -1));
  const body = sorted.map((i) => `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link><guid isPermaLink="false">${i.id}</guid>` +
    `<pubDate>${new Date(i.published).toUTCString()}</pubDate><description>${esc(i.summary)}</description></item>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${esc(outlet)}</title><link>https://news.example/${encodeURIComponent(outlet)}</link>` +
    `<description>${esc(outlet)}</description>\n${body}\n</channel></rss>\n`;
}
