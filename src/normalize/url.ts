/**
 * URLs: resolving relative references and the canonical form we dedupe on.
 *
 * Resolution follows RFC 3986 §5 through WHATWG `URL`, against the first base
 * that works: the item's xml:base, the feed's xml:base, the feed's own link,
 * then the URL we fetched (Fluent Reader #692 and Feedbin support #338 are the
 * bugs this prevents).
 *
 * The canonical form lowercases scheme and host (URL does that), drops default
 * ports and the fragment, strips click-tracking query parameters, and sorts
 * nothing else: parameter order can matter to a server. The original URL is
 * kept beside it (Entry.originalUrl).
 */

/**
 * Query parameters that only track the click. Compiled from Miniflux's
 * internal/reader/urlcleaner (itself drawn from AdGuard's TrackParamFilter,
 * Firefox query stripping, Neat-URL and Brave's list), plus the publisher
 * and newsletter tags entertainment feeds add (BBC's at_*, NYT's smid/smtyp,
 * Guardian's CMP, Vox Media's utm-alikes). A prefix ends in `*`.
 */
const TRACKING_PARAMS = [
  'utm_*', 'mtm_*', 'pk_*', 'piwik_*', 'matomo_*', 'oly_*', '_branch_*', 'at_*', 'ns_*', 'hsa_*', 'itm_*',
  'fbclid', 'gclid', 'gclsrc', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'li_fat_id',
  'igshid', 'igsh', 'srsltid', 'epik', 'rb_clickid', 's_cid', 'sc_cid', 'ncid', 'ocid', 'cmpid', 'cmp', 'CMP',
  'mc_cid', 'mc_eid', 'mkt_tok', 'vero_id', 'vero_conv', '_hsenc', '_hsmi', '__hssc', '__hstc', '__hsfp', 'hsCtaTracking',
  '_openstat', 'wickedid', 'wt_mc', 'wt_zmc', 'ga_source', 'ga_medium', 'ga_campaign', 'ga_content', 'ga_term',
  'smid', 'smtyp', 'soc_src', 'soc_trk', 'spref', 'icid', 'ref_src', 'ref_url', 'rss', 'rssfeed', 'feedtype', 'feedname',
  'emc', 'xtor', 'guccounter', 'guce_referrer', 'guce_referrer_sig', 'sr_share', 'fsrc',
  'trkCampaign', 'mkwid', 'pcrid', 'ef_id', 's_kwcid',
];
// DIFF: names that some sites use for content (`cid`, `id`, `share`, `partner`) are left alone even
// though some lists strip them: a wrongly stripped content id would merge two articles into one.

const exact = new Set(TRACKING_PARAMS.filter((p) => !p.endsWith('*')).map((p) => p.toLowerCase()));
const prefixes = TRACKING_PARAMS.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1).toLowerCase());

export function isTrackingParam(name: string, value: string, pageHost: string): boolean {
  const n = name.toLowerCase();
  if (exact.has(n)) return true;
  if (prefixes.some((p) => n.startsWith(p))) return true;
  // `ref` tracks when it names a site (the page's own host, as Miniflux checks, or any
  // host-like value), and Medium's `source=` is a referral tag (Miniflux #821).
  if (n === 'ref') return value === pageHost || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value) || value === 'rss' || value === 'feed';
  if (n === 'source' && /(^|\.)medium\.com$/.test(pageHost)) return true;
  return false;
}

/**
 * An absolute http(s) URL that the WHATWG URL serializer would return unchanged:
 * lowercase ASCII host whose last label starts with a letter (so no IPv4 forms to
 * normalize), no port, a path, and only characters no percent-encode set touches
 * (URL Standard §1.3; `'` is left out because special-scheme queries encode it).
 * Most URLs in feeds look like this, and skipping `new URL` for them halves the
 * cost of resolving.
 */
const SIMPLE_ABSOLUTE = /^https?:\/\/(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*\/[\w\-.~!$&()*+,;=:@/%]*(?:\?[\w\-.~!$&()*+,;=:@/%?]*)?(?:#[\w\-.~!$&()*+,;=:@/%?]*)?$/;
/** Dot segments (RFC 3986 §5.2.4) are removed by the serializer, so they need the slow path. */
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)|%2e/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Parse `href` against each base in turn; null when nothing yields an http(s) URL. */
export function resolveUrl(href: string | null | undefined, ...bases: Array<string | null | undefined>): string | null {
  if (!href) return null;
  let h = href.trim();
  // URL Standard: tabs and newlines inside a URL are removed before parsing.
  if (/[\t\n\r]/.test(h)) h = h.replace(/[\t\n\r]/g, '');
  if (!h) return null;
  if (SIMPLE_ABSOLUTE.test(h) && !DOT_SEGMENT.test(h)) return h;
  if (SCHEME.test(h)) {
    try {
      const u = new URL(h);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch {
      return null;
    }
  }
  // Relative: resolve the bases against each other first, outermost first
  // (a relative xml:base is relative to the next base out).
  let resolvedBase: string | null = null;
  for (let i = bases.length - 1; i >= 0; i--) {
    const b = bases[i];
    if (!b) continue;
    try {
      resolvedBase = new URL(b.trim(), resolvedBase ?? undefined).href;
    } catch {
      // unusable base; keep the outer one
    }
  }
  if (!resolvedBase) return null;
  try {
    const u = new URL(h, resolvedBase);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** The canonical form of an absolute http(s) URL, or null if it is not one. */
export function canonicalUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.hash = '';
  // URL already drops :80 for http and :443 for https and lowercases scheme and host.
  if (u.hostname.endsWith('.')) u.hostname = u.hostname.slice(0, -1);
  if (u.search.length > 1) {
    // Work on the raw `name=value` pairs so the kept ones are byte-for-byte what the feed sent
    // (URLSearchParams would re-encode them).
    const host = u.hostname;
    const pairs = u.search.slice(1).split('&');
    const kept = pairs.filter((pair) => {
      if (pair === '') return false;
      const eq = pair.indexOf('=');
      const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
      return !isTrackingParam(name, value, host);
    });
    u.search = kept.length ? `?${kept.join('&')}` : '';
  }
  // A bare '?' survives `search = ''`; drop it by hand.
  return u.search === '' && u.href.endsWith('?') ? u.href.slice(0, -1) : u.href;
}

/**
 * A looser key for "same article" across http/https and www. churn
 * (Feedbin support #431, Miniflux #1366): host without www., no scheme, no
 * trailing slash. Used only for matching, never shown.
 */
export function urlMatchKey(canonical: string | null): string | null {
  if (!canonical) return null;
  try {
    const u = new URL(canonical);
    const host = u.hostname.replace(/^www\./, '');
    let path = u.pathname;
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    return `${host}${u.port ? `:${u.port}` : ''}${path}${u.search}`;
  } catch {
    return null;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
