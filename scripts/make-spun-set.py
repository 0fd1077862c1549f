#!/usr/bin/python3
"""Build a spun-copy evaluation set from real captured feeds, for scripts/eval/http.ts and offline.ts.

Usage: make-spun-set.py OUTDIR --port N [--delay-hours H] [--count N] [--seed S]

Takes the 2022-04-05 captures (BBC, BuzzFeed, HuffPost, NYT, Guardian, Telegraph, Sky,
FT: the same day, so they share stories), as extracted into
test/fixtures/eval/spun-source.jsonl (see the README there for their origin), rewrites
their dates to the last hours before now, and writes them as outlet feeds. Then it
picks articles with a real summary and "spins" them the way a content farm does:
words are swapped one for one with synonyms from a small dictionary (SYNONYMS
below, written for this tool), about two in three where a synonym exists. The spun
copies go into farm.xml, published --delay-hours after their originals.

Writes one <feed>.xml per outlet, farm.xml, sources.json, spun-truth.json ({spun_url: original_url})
and real-urls.json, the files the eval drivers read.
"""
import argparse
import datetime as dt
import email.utils
import hashlib
import html
import json
import os
import random
import re
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, '..', 'test', 'fixtures', 'eval', 'spun-source.jsonl')

# One-for-one substitutions in the style of the seed spun article (reason -> motive,
# told -> advised, people -> individuals, close -> shut, ...). Both directions are not
# needed: a spinner maps the original word to a "synonym".
SYNONYMS = {
    'reason': 'motive', 'really': 'actually', 'released': 'dropped', 'also': 'additionally', 'but': 'however',
    'more': 'extra', 'told': 'advised', 'inspired': 'impressed', 'people': 'individuals', 'close': 'shut',
    'friends': 'mates', 'film': 'movie', 'because': 'as a result of', 'remember': 'keep in mind', 'never': 'by no means',
    'discussed': 'mentioned', 'release': 'launch', 'party': 'get together', 'groundbreaking': 'revolutionary',
    'plane': 'airplane', 'only': 'solely', 'old': 'previous', 'final': 'remaining', 'death': 'loss of life',
    'said': 'stated', 'says': 'states', 'always': 'at all times', 'fear': 'worry', 'offered': 'provided',
    'different': 'distinct', 'instead': 'as an alternative', 'team': 'staff', 'big': 'giant', 'show': 'present',
    'new': 'contemporary', 'first': 'preliminary', 'week': 'week', 'year': '12 months', 'years': 'years',
    'government': 'authorities', 'minister': 'minister', 'prime': 'prime', 'war': 'conflict', 'attack': 'assault',
    'attacks': 'assaults', 'killed': 'slain', 'kill': 'slay', 'help': 'assist', 'helped': 'assisted',
    'begin': 'start', 'began': 'started', 'start': 'begin', 'end': 'finish', 'ended': 'completed', 'win': 'triumph',
    'won': 'gained', 'best': 'finest', 'good': 'good', 'great': 'nice', 'huge': 'large', 'small': 'little',
    'important': 'vital', 'major': 'main', 'million': 'million', 'country': 'nation', 'countries': 'nations',
    'city': 'metropolis', 'world': 'globe', 'police': 'cops', 'children': 'youngsters', 'child': 'youngster',
    'women': 'girls', 'men': 'males', 'woman': 'lady', 'man': 'man', 'family': 'household', 'home': 'house',
    'house': 'home', 'money': 'cash', 'price': 'value', 'prices': 'costs', 'rise': 'improve', 'rising': 'growing',
    'increase': 'enhance', 'fall': 'drop', 'fell': 'dropped', 'cut': 'minimize', 'cuts': 'reductions',
    'plan': 'scheme', 'plans': 'schemes', 'warned': 'cautioned', 'warns': 'cautions', 'claims': 'claims',
    'claimed': 'alleged', 'announced': 'introduced', 'announces': 'pronounces', 'revealed': 'disclosed',
    'reveals': 'unveils', 'shows': 'reveals', 'showed': 'confirmed', 'found': 'discovered', 'find': 'discover',
    'think': 'assume', 'thought': 'thought', 'believe': 'consider', 'believes': 'considers', 'wants': 'needs',
    'want': 'need', 'need': 'want', 'needs': 'wants', 'make': 'make', 'made': 'made', 'take': 'take', 'took': 'took',
    'get': 'get', 'got': 'obtained', 'give': 'give', 'gave': 'gave', 'come': 'come', 'came': 'got here',
    'go': 'go', 'went': 'went', 'look': 'look', 'looks': 'appears', 'looking': 'wanting', 'seen': 'seen',
    'see': 'see', 'know': 'know', 'live': 'reside', 'lives': 'lives', 'life': 'life', 'leave': 'depart',
    'left': 'left', 'keep': 'hold', 'kept': 'saved', 'hold': 'maintain', 'held': 'held', 'call': 'name',
    'called': 'referred to as', 'calls': 'calls', 'ask': 'ask', 'asked': 'requested', 'move': 'transfer',
    'moved': 'moved', 'turn': 'flip', 'turned': 'turned', 'use': 'use', 'used': 'used', 'work': 'work',
    'working': 'working', 'worked': 'labored', 'run': 'run', 'running': 'operating', 'late': 'late', 'early': 'early',
    'last': 'final', 'next': 'subsequent', 'after': 'after', 'before': 'earlier than', 'during': 'throughout',
    'around': 'round', 'about': 'about', 'against': 'in opposition to', 'between': 'between', 'under': 'beneath',
    'over': 'over', 'across': 'throughout', 'into': 'into', 'despite': 'regardless of', 'while': 'whereas',
    'however': 'nevertheless', 'although': 'though', 'amid': 'amid', 'latest': 'newest', 'recent': 'current',
    'recently': 'lately', 'currently': 'at present', 'already': 'already', 'still': 'nonetheless', 'again': 'once more',
    'soon': 'quickly', 'now': 'now', 'today': 'at the moment', 'tonight': 'tonight', 'yesterday': 'yesterday',
    'awards': 'awards', 'award': 'award', 'star': 'star', 'singer': 'singer', 'album': 'album', 'song': 'track',
    'songs': 'tracks', 'music': 'music', 'fans': 'followers', 'fan': 'fan', 'video': 'video', 'series': 'collection',
    'episode': 'episode', 'movie': 'film', 'actor': 'actor', 'actress': 'actress', 'director': 'director',
    'performance': 'efficiency', 'stage': 'stage', 'night': 'evening', 'ceremony': 'ceremony', 'host': 'host',
    'wife': 'spouse', 'husband': 'husband', 'son': 'son', 'daughter': 'daughter', 'mother': 'mom', 'father': 'father',
    'died': 'handed away', 'dies': 'passes away', 'dead': 'useless', 'injured': 'injured', 'hospital': 'hospital',
    'report': 'report', 'reports': 'studies', 'reported': 'reported', 'statement': 'assertion', 'interview': 'interview',
    'company': 'firm', 'business': 'enterprise', 'deal': 'deal', 'market': 'market', 'shares': 'shares', 'board': 'board',
    'buy': 'purchase', 'bought': 'purchased', 'sell': 'promote', 'sold': 'offered', 'bank': 'financial institution',
    'economy': 'financial system', 'economic': 'financial', 'energy': 'power', 'oil': 'oil', 'gas': 'fuel',
    'election': 'election', 'vote': 'vote', 'voters': 'voters', 'leader': 'chief',
    'president': 'president', 'official': 'official', 'officials': 'officers', 'forces': 'forces', 'troops': 'troops',
    'russian': 'russian', 'ukraine': 'ukraine', 'crisis': 'disaster', 'case': 'case', 'cases': 'instances',
    'court': 'courtroom', 'judge': 'choose', 'trial': 'trial', 'law': 'regulation', 'rules': 'guidelines',
}

# Entries that map a word to itself only document that the spinner leaves it alone.
SYNONYMS = {k: v for k, v in SYNONYMS.items() if k != v}
WORD = re.compile(r"[A-Za-z]+")


def spin(text, rng, rate=0.65):
    def repl(m):
        w = m.group(0)
        s = SYNONYMS.get(w.lower())
        if not s or s == w.lower() or rng.random() > rate:
            return w
        if w[0].isupper():
            s = s[0].upper() + s[1:]
        return s
    return WORD.sub(repl, text)


def rfc822(t):
    return email.utils.format_datetime(t.astimezone(dt.timezone.utc), usegmt=True)


def esc(s):
    return html.escape(s, quote=True)


def feed_xml(title, link, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0"><channel>',
           f'<title>{esc(title)}</title><link>{esc(link)}</link><description>{esc(title)}</description>']
    for it in items:
        out.append(f"<item><title>{esc(it['title'])}</title><link>{esc(it['url'])}</link>"
                   f"<guid isPermaLink=\"true\">{esc(it['url'])}</guid><pubDate>{rfc822(it['date'])}</pubDate>"
                   f"<description>{esc(it['summary'])}</description></item>")
    out.append('</channel></rss>')
    return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('outdir')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--delay-hours', type=float, default=3)
    ap.add_argument('--count', type=int, default=80)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--min-words', type=int, default=12, help='only spin articles whose summary has this many words')
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    base = f'http://127.0.0.1:{a.port}'
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    feeds, pool = {}, []
    newest = None
    with open(SOURCE, encoding='utf-8') as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for row in rows:
        name = row['feed']
        items = feeds.setdefault(name, [])
        try:
            when = email.utils.parsedate_to_datetime(row['pubDate'])
        except (TypeError, ValueError):
            continue
        home = row['home'] or f'https://{name}.example/'
        # Some feeds (the FT's) give relative links; make them absolute as a reader would.
        it = {'title': row['title'], 'url': urllib.parse.urljoin(home, row['link']), 'summary': row['summary'], 'date': when}
        items.append(it)
        newest = when if newest is None or when > newest else newest
        if len(it['summary'].split()) >= a.min_words:
            pool.append((name, it))
    shift = now - dt.timedelta(hours=a.delay_hours + 1) - newest
    for items in feeds.values():
        for it in items:
            it['date'] += shift
    chosen = rng.sample(pool, min(a.count, len(pool)))
    farm, truth = [], {}
    for name, it in chosen:
        slug = hashlib.sha1(it['url'].encode()).hexdigest()[:10]
        url = f'https://farm.example/{slug}/{re.sub(r"[^a-z0-9]+", "-", it["title"].lower())[:60]}'
        farm.append({'title': spin(it['title'], rng), 'url': url, 'summary': spin(it['summary'], rng),
                     'date': it['date'] + dt.timedelta(hours=a.delay_hours)})
        truth[url] = it['url']
    sources = []
    for name, items in feeds.items():
        with open(os.path.join(a.outdir, f'{name}.xml'), 'w', encoding='utf-8') as f:
            f.write(feed_xml(name, f'https://{name}.example/', items))
        sources.append({'id': name, 'url': f'{base}/{name}.xml', 'title': name})
    with open(os.path.join(a.outdir, 'farm.xml'), 'w', encoding='utf-8') as f:
        f.write(feed_xml('Content farm', 'https://farm.example/', farm))
    sources.append({'id': 'farm', 'url': f'{base}/farm.xml', 'title': 'Content farm'})
    json.dump(sources, open(os.path.join(a.outdir, 'sources.json'), 'w'), indent=1)
    json.dump(truth, open(os.path.join(a.outdir, 'spun-truth.json'), 'w'), indent=1)
    json.dump(sorted({it['url'] for items in feeds.values() for it in items}), open(os.path.join(a.outdir, 'real-urls.json'), 'w'))
    print(f'{len(farm)} spun copies of {len(pool)} candidates; {sum(len(v) for v in feeds.values())} real items')


if __name__ == '__main__':
    main()
