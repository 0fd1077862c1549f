"""Read feeds with Python's feedparser, as a feed reader would, and report what it saw.

Run with Debian's interpreter (/usr/bin/python3) so the packaged python3-feedparser 6.0
is the one imported. Reads a JSON list of URLs on stdin and prints one JSON object per
URL: feedparser's bozo flag and exception, the detected version, the HTTP status, the
feed's links, each entry's fields, and the status of a conditional re-fetch with the
validators the first response carried (a reader's next poll).
"""
import calendar
import json
import sys

import feedparser


def iso(struct):
    if not struct:
        return None
    return calendar.timegm(struct)


def entry_report(e):
    return {
        "id": e.get("id"),
        "title": e.get("title"),
        "link": e.get("link"),
        "published": iso(e.get("published_parsed")),
        "updated": iso(e.get("updated_parsed")),
        "authors": [a.get("name") for a in e.get("authors", []) if a.get("name")],
        "tags": [t.get("term") for t in e.get("tags", [])],
        "thumbnail": [t.get("url") for t in e.get("media_thumbnail", [])],
        "source_title": (e.get("source") or {}).get("title"),
        "source_href": (e.get("source") or {}).get("href"),
        "source_links": [l.get("href") for l in (e.get("source") or {}).get("links", [])],
        "summary_type": (e.get("summary_detail") or {}).get("type"),
        "content_types": [c.get("type") for c in e.get("content", [])],
    }


def main():
    urls = json.load(sys.stdin)
    out = []
    for url in urls:
        d = feedparser.parse(url, agent="marquee-client-tests (feedparser)")
        again = feedparser.parse(url, etag=d.get("etag"), modified=d.get("modified"), agent="marquee-client-tests (feedparser)")
        out.append({
            "url": url,
            "bozo": bool(d.bozo),
            "bozo_exception": repr(d.get("bozo_exception")) if d.bozo else None,
            "version": d.version,
            "status": d.get("status"),
            "content_type": d.headers.get("content-type"),
            "encoding": d.get("encoding"),
            "etag": d.get("etag"),
            "feed_title": d.feed.get("title"),
            "feed_links": [{"rel": l.get("rel"), "href": l.get("href"), "type": l.get("type")} for l in d.feed.get("links", [])],
            "feed_id": d.feed.get("id"),
            "feed_updated": iso(d.feed.get("updated_parsed")),
            "entries": [entry_report(e) for e in d.entries],
            "revalidate_status": again.get("status"),
            "revalidate_entries": len(again.entries),
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
