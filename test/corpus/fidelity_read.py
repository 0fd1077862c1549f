#!/usr/bin/python3
"""What Python feedparser reads in a feed, for the fidelity suite (test/corpus/fidelity.ts).

Reads a JSON list of {"path", "url"} on stdin; parses each file with feedparser as if it had
been fetched from "url"; prints one JSON object per file: the feed's title and, per entry, the
fields a reader sees. Used both on the real captures (the reference) and on Marquee's RSS and
Atom renderings of them (what a reader gets back), so both sides are read by the same code.

Run with Debian's interpreter (/usr/bin/python3) and python3-feedparser 6.0.
"""
import gzip
import html
import json
import sys
from html.parser import HTMLParser

import feedparser


class ImgCollector(HTMLParser):
    """Every <img> of an HTML fragment, with its stated width and height."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag != 'img':
            return
        a = dict(attrs)
        if a.get('src'):
            self.images.append({'url': a['src'], 'width': a.get('width'), 'height': a.get('height')})


class TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def html_text(value):
    p = TextCollector()
    p.feed(value or '')
    p.close()
    return ' '.join(''.join(p.parts).split())


def images_of(value):
    p = ImgCollector()
    p.feed(value or '')
    p.close()
    return p.images


def detail_text(value, detail):
    """A text construct as text: HTML types give their text, plain text stays as it is."""
    if value is None:
        return None
    kind = (detail or {}).get('type') or 'text/plain'
    return html_text(value) if 'html' in kind else ' '.join(value.split())


def entry_report(e):
    content = [c.get('value') or '' for c in e.get('content', [])]
    summary = e.get('summary') or ''
    source = e.get('source') or {}
    return {
        'id': e.get('id'),
        'link': e.get('link'),
        'title': detail_text(e.get('title'), e.get('title_detail')),
        'title_raw': e.get('title'),
        'summary_text': html_text(summary),
        'content_text': ' '.join(html_text(c) for c in content).strip(),
        'enclosures': [{'url': x.get('href'), 'type': x.get('type'), 'length': x.get('length')} for x in e.get('enclosures', [])],
        'media_thumbnail': [{'url': x.get('url'), 'width': x.get('width'), 'height': x.get('height')} for x in e.get('media_thumbnail', [])],
        'media_content': [{'url': x.get('url'), 'type': x.get('type'), 'medium': x.get('medium'), 'width': x.get('width'),
                           'height': x.get('height'), 'fileSize': x.get('filesize'), 'duration': x.get('duration')}
                          for x in e.get('media_content', [])],
        'itunes_image': (e.get('image') or {}).get('href'),
        'itunes_duration': e.get('itunes_duration'),
        'inline_images': images_of(' '.join(content) + ' ' + summary),
        'source_title': source.get('title'),
    }


def main():
    out = []
    for job in json.load(sys.stdin):
        data = open(job['path'], 'rb').read()
        if data[:2] == b'\x1f\x8b':
            data = gzip.decompress(data)
        d = feedparser.parse(data, response_headers={'content-location': job['url']})
        feed = d.get('feed', {})
        # Relative references resolve against xml:base, else the feed's own link, else the document
        # URL: the order Marquee documents (README, "Parsing and normalization"), and the one
        # rowanmanning/feed-parser and node-feedparser follow. feedparser skips the second step, so
        # the document is read again with the feed's link as its location.
        link = feed.get('link') or ''
        if job.get('feed_link_base') and b'xml:base' not in data and link.startswith(('http://', 'https://')) and link != job['url']:
            d = feedparser.parse(data, response_headers={'content-location': link})
            feed = d.get('feed', {})
        out.append({
            'path': job['path'],
            'version': d.get('version'),
            'bozo': bool(d.get('bozo')),
            'feed_title': detail_text(feed.get('title'), feed.get('title_detail')),
            'entries': [entry_report(e) for e in d.entries],
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == '__main__':
    main()
