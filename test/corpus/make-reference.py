#!/usr/bin/python3
"""Reference data from Python feedparser, for test/corpus/scoreboard.test.ts.

1. Reference outputs for the real captures that carry no expected output of their own.
2. For the feedparser suite: the content type feedparser gave each text field (title,
   summary, content) of each case, so its `Expect:` strings can be read correctly
   (a title of type text/plain is compared as is, one of type text/html as its text).

Run with Debian's Python 3 and python3-feedparser (6.0.10): `apt-get install -y python3-feedparser`,
then `/usr/bin/python3 test/corpus/make-reference.py`. It writes test/corpus/reference/real/<path>.json
and test/corpus/reference/feedparser-types.json; review the diff before committing.

Python feedparser is the reference: it has the largest public suite of edge cases (kurtmckee/feedparser),
and it is independent of our code. Only what the scoreboard compares is kept: per entry the title
(with its declared type, so markup can be turned into text the same way on both sides), the link,
the id and the date. Dates are UTC ISO strings built from feedparser's parsed 9-tuples.
"""
import calendar
import gzip
import json
import os
import sys
import time

import feedparser

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'shared', 'corpus', 'feeds', 'real'))
FP_CASES = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'shared', 'corpus', 'feeds', 'parser-cases', 'kurtmckee-feedparser'))
OUT = os.path.join(HERE, 'reference', 'real')
FEED_URL = 'http://corpus.test/feed'  # the same URL test/corpus/scoreboard.ts passes to normalize


def iso(t):
    if not t:
        return None
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(calendar.timegm(t)))


def main():
    n = 0
    for root, _, files in os.walk(REAL):
        for name in sorted(files):
            # JSON Feeds are their own reference (feedparser 6.0 has no JSON support).
            if not name.endswith(('.xml', '.rss', '.atom', '.rdf')) or name.startswith('expected'):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, REAL)
            if os.path.exists(os.path.join(root, 'expected.rowanmanning-feed-parser.json')):
                continue  # that suite's own expectation is used instead
            data = open(path, 'rb').read()
            if data[:2] == b'\x1f\x8b':
                data = gzip.decompress(data)
            d = feedparser.parse(data, response_headers={'content-location': FEED_URL})
            entries = []
            for e in d.entries:
                td = dict.get(e, 'title_detail') or {}
                entries.append({
                    'title': dict.get(e, 'title'),
                    'titleType': td.get('type'),
                    'link': dict.get(e, 'link'),
                    'id': dict.get(e, 'id'),
                    'published': iso(dict.get(e, 'published_parsed')),
                    'updated': iso(dict.get(e, 'updated_parsed')),
                })
            ref = {
                'generator': 'feedparser %s' % feedparser.__version__,
                'version': d.get('version'),
                'bozo': bool(d.get('bozo')),
                'entries': entries,
            }
            dest = os.path.join(OUT, rel + '.json')
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, 'w', encoding='utf-8') as f:
                json.dump(ref, f, ensure_ascii=False, indent=1)
                f.write('\n')
            n += 1
    print('wrote %d reference files under %s' % (n, OUT), file=sys.stderr)


def case_headers(data):
    """The `Header:` lines of a feedparser test case's comment."""
    head = data[:4096].decode('latin-1')
    end = head.find('-->')
    headers = {}
    for line in head[:end if end >= 0 else 0].splitlines():
        line = line.strip()
        if line.startswith('Header:'):
            k, _, v = line[len('Header:'):].strip().partition(':')
            headers[k.strip().lower()] = v.strip()
    return headers


def detail_type(d):
    return (d or {}).get('type')


def feedparser_types():
    out = {}
    for root, _, files in os.walk(FP_CASES):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, FP_CASES)
            data = open(path, 'rb').read()
            headers = case_headers(data)
            headers.setdefault('content-location', 'http://127.0.0.1:8097/tests/' + rel)
            try:
                d = feedparser.parse(data, response_headers=headers)
            except Exception as err:  # a crash is recorded, not fatal
                out[rel] = {'error': str(err)}
                continue
            f = d.get('feed', {})
            out[rel] = {
                'feed': {'title': detail_type(dict.get(f, 'title_detail'))},
                'entries': [{
                    'title': detail_type(dict.get(e, 'title_detail')),
                    'summary': detail_type(dict.get(e, 'summary_detail')),
                    'content': [c.get('type') for c in dict.get(e, 'content', [])],
                } for e in d.get('entries', [])],
            }
    dest = os.path.join(HERE, 'reference', 'feedparser-types.json')
    with open(dest, 'w', encoding='utf-8') as fh:
        json.dump(out, fh, ensure_ascii=False, indent=0, sort_keys=True)
        fh.write('\n')
    print('wrote types of %d feedparser cases' % len(out), file=sys.stderr)


if __name__ == '__main__':
    main()
    feedparser_types()
