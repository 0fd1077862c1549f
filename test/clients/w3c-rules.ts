/**
 * The rules the W3C Feed Validation Service (validator.w3.org/feed) applies behind the messages
 * issue 11 lists, written as checks we can run here: the service is neither on npm nor in Debian.
 * Each message is named as the service names it. Our own code, from the specs the service
 * enforces and the behaviour its documentation describes:
 *
 * RSS 2.0 (RSS Advisory Board profile, https://www.rssboard.org/rss-profile):
 *   NeedDescriptionBeforeContent  content:encoded with no description before it (profile §"content:encoded")
 *   DuplicateEnclosure            more than one <enclosure> in an item (profile §"enclosure": SHOULD NOT)
 *   MissingAttribute / InvalidIntegerAttribute / InvalidMIMEAttribute   an enclosure without url,
 *                                 a non-negative integer length, or a type/subtype type
 *   ContainsHTML                  plain text (title, category, source) holding an HTML end tag, or a
 *                                 character reference after XML decoding, unless the element's line
 *                                 carries a hexadecimal reference (&#x..;), as the profile asks
 *   CharacterData                 plain text holding `<` or `&#` that was not written as &#x3C; / &#x26;
 *   NotBlank                      an empty title or description
 * Atom 1.0 (RFC 4287):
 *   MissingSourceElement          atom:source without atom:id, atom:title or atom:updated (§4.2.11)
 *   MissingTextualContent         an entry with neither summary nor content
 *   MissingContentOrAlternate     an entry with neither content nor rel="alternate" link (§4.1.1.1)
 *   NotBlank                      an empty title, summary or content
 *   ContainsUndeclaredHTML        a type="text" construct that reads as HTML (§3.1.1.1)
 *   DuplicateUpdated              two entries with the same atom:updated (reported; real feeds cause it)
 * HTML in RSS description/content:encoded and Atom html constructs:
 *   SecurityRisk                  an element outside the service's list of safe HTML elements (iframe,
 *                                 script, object, embed, form controls' relatives...)
 *   SecurityRiskAttr              an attribute outside its list of safe attributes (controls, sandbox,
 *                                 on*...), data-* excepted
 *   ContainsRelRef                a relative href or src
 */
import { Parser } from 'htmlparser2';

export interface W3cMessage {
  message: string;
  where: string;
  detail: string;
}

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
  start: number;
  end: number;
}

/** A light element tree of an XML document, with each element's source offsets. */
function tree(xml: string): Node {
  const root: Node = { name: '#document', attrs: {}, children: [], text: '', start: 0, end: xml.length };
  const stack = [root];
  const parser = new Parser({
    onopentag(name, attrs) {
      const node: Node = { name, attrs, children: [], text: '', start: parser.startIndex, end: -1 };
      stack[stack.length - 1].children.push(node);
      stack.push(node);
    },
    ontext(text) {
      stack[stack.length - 1].text += text;
    },
    onclosetag() {
      const node = stack.pop()!;
      node.end = parser.endIndex + 1;
    },
  }, { xmlMode: true, decodeEntities: true });
  parser.end(xml);
  return root;
}

const kids = (n: Node | undefined, name: string) => n?.children.filter((c) => c.name === name) ?? [];
const kid = (n: Node | undefined, name: string) => kids(n, name)[0];

/** Elements the service's HTML check accepts (its list of safe elements, as documented behaviour). */
const SAFE_ELEMENTS = new Set(`a abbr acronym address area article aside audio b bdi big blockquote br button canvas caption center cite code col
  colgroup command data datagrid datalist dd del details dfn dialog dir div dl dt em eventsource fieldset figcaption figure footer font form
  h1 h2 h3 h4 h5 h6 header hgroup hr i img input ins kbd keygen label legend li m main map mark menu meter multicol nav nextid noscript ol
  optgroup option output p picture pre progress q rp rt ruby s samp section select small sound source spacer span strike strong sub
  summary sup table tbody td template textarea tfoot th thead time tr track tt u ul var video wbr`.split(/\s+/));

/** Attributes it accepts on them (data-* too). */
const SAFE_ATTRIBUTES = new Set(`abbr accept accept-charset accesskey action align allow allowfullscreen allowpaymentrequest alt as autocapitalize
  autocomplete autofocus autoplay axis background balance bgcolor bgproperties border bordercolor bordercolordark bordercolorlight
  bottompadding cellpadding cellspacing ch challenge char charoff charset checked choff cite class clear color cols colspan compact
  contenteditable coords crossorigin data datafld datapagesize datasrc datetime decoding default delay dir dirname disabled download
  draggable dynsrc enctype end enterkeyhint face for form formenctype frame galleryimg gutter headers height hidefocus hidden high href
  hreflang hspace icon id inputmode is ismap itemid itemprop itemref itemscope itemtype keytype kind label lang leftspacing list loading
  longdesc loop loopcount loopend loopstart low lowsrc max maxlength media method min minlength multiple muted name nohref nonce noshade
  nowrap open optimum pattern ping placeholder playsinline point-size poster pqg preload prompt radiogroup readonly referrerpolicy rel
  repeat-max repeat-min replace required rev reversed rightspacing rows rowspan rules scope selected shape size sizes span spellcheck src
  srclang srcset start step summary suppress tabindex target template title toppadding translate type unselectable urn usemap valign
  value variable volume vrml vspace width wrap xml:lang xmlns`.split(/\s+/));

/** HTML element names the service knows (an end tag of one in plain text reads as HTML). */
const HTML_ELEMENTS = new Set([...SAFE_ELEMENTS, 'applet', 'base', 'basefont', 'body', 'embed', 'frame', 'frameset', 'head', 'html', 'iframe',
  'isindex', 'link', 'listing', 'meta', 'noframes', 'object', 'param', 'plaintext', 'script', 'slot', 'style', 'title', 'xmp', 'bdo', 'comment']);

/** The 252 named character references of HTML 4.01 (§24): what "reads as an entity" in plain text means to the service. */
const HTML4_ENTITIES = new Set(`AElig Aacute Acirc Agrave Alpha Aring Atilde Auml Beta Ccedil Chi Dagger Delta ETH Eacute Ecirc Egrave Epsilon Eta
  Euml Gamma Iacute Icirc Igrave Iota Iuml Kappa Lambda Mu Ntilde Nu OElig Oacute Ocirc Ograve Omega Omicron Oslash
  Otilde Ouml Phi Pi Prime Psi Rho Scaron Sigma THORN Tau Theta Uacute Ucirc Ugrave Upsilon Uuml Xi Yacute Yuml Zeta
  aacute acirc acute aelig agrave alefsym alpha amp and ang aring asymp atilde auml bdquo beta brvbar bull cap ccedil
  cedil cent chi circ clubs cong copy crarr cup curren dArr dagger darr deg delta diams divide eacute ecirc egrave empty
  emsp ensp epsilon equiv eta eth euml euro exist fnof forall frac12 frac14 frac34 frasl gamma ge gt hArr harr hearts
  hellip iacute icirc iexcl igrave image infin int iota iquest isin iuml kappa lArr lambda lang laquo larr lceil ldquo
  le lfloor lowast loz lrm lsaquo lsquo lt macr mdash micro middot minus mu nabla nbsp ndash ne ni not notin nsub ntilde
  nu oacute ocirc oelig ograve oline omega omicron oplus or ordf ordm oslash otilde otimes ouml para part permil perp
  phi pi piv plusmn pound prime prod prop psi quot rArr radic rang raquo rarr rceil rdquo real reg rfloor rho rlm rsaquo
  rsquo sbquo scaron sdot sect shy sigma sigmaf sim spades sub sube sum sup sup1 sup2 sup3 supe szlig tau there4 theta
  thetasym thinsp thorn tilde times trade uArr uacute uarr ucirc ugrave uml upsih upsilon uuml weierp xi yacute yen yuml
  zeta zwj zwnj`.split(/\s+/));

/** A reference in decoded plain text reads as HTML when it names an HTML 4 entity (or apos), or is not a plain word ("#8216"). */
const readsAsReference = (name: string) => HTML4_ENTITIES.has(name) || name === 'apos' || !/^[A-Za-z]+$/.test(name);

/** Lines of the source an element spans contain a hexadecimal reference (the service's RSS-profile test). */
function hexOnLines(xml: string, n: Node): boolean {
  const from = xml.lastIndexOf('\n', n.start) + 1;
  let to = xml.indexOf('\n', n.end);
  if (to < 0) to = xml.length;
  return xml.slice(from, to).includes('&#x');
}

function plainText(xml: string, n: Node, rss: boolean, where: string, out: W3cMessage[], message = 'ContainsHTML'): void {
  const v = n.text;
  const endTag = /<\/(\w+)>/g.exec(v);
  if (endTag && HTML_ELEMENTS.has(endTag[1].toLowerCase())) {
    out.push({ message, where, detail: `</${endTag[1]}> in ${JSON.stringify(v.slice(0, 80))}` });
    return;
  }
  const refs = [...v.matchAll(/&(#?\w+)/g)].map((m) => m[1]).filter(readsAsReference);
  if (refs.length) {
    if (!hexOnLines(xml, n)) out.push({ message, where, detail: `&${refs[0]}; in ${JSON.stringify(v.slice(0, 80))}` });
    return;
  }
  if (rss && /&#[x0-9]|<[/a-zA-Z]/.test(v) && !hexOnLines(xml, n)) out.push({ message: 'CharacterData', where, detail: JSON.stringify(v.slice(0, 80)) });
}

function html(value: string, where: string, out: W3cMessage[]): void {
  const parser = new Parser({
    onopentag(name, attrs) {
      if (!SAFE_ELEMENTS.has(name)) out.push({ message: 'SecurityRisk', where, detail: `<${name}>` });
      for (const [a, v] of Object.entries(attrs)) {
        if (!SAFE_ATTRIBUTES.has(a) && !a.startsWith('data-')) out.push({ message: 'SecurityRiskAttr', where, detail: `${a} on <${name}>` });
        if ((a === 'href' || a === 'src') && !/^[a-z][a-z0-9+.-]*:/i.test(v.trim())) out.push({ message: 'ContainsRelRef', where, detail: `${a}="${v}"` });
      }
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.end(value);
}

const MIME = /^[^\s()<>,;:\\"/[\]?=]+\/[^\s()<>,;:\\"/[\]?=]+$/;

function rssItem(xml: string, it: Node, where: string, out: W3cMessage[]): void {
  let sawDescription = false;
  let enclosures = 0;
  for (const c of it.children) {
    if (c.name === 'description') {
      sawDescription = true;
      if (!c.text.trim()) out.push({ message: 'NotBlank', where, detail: 'description' });
      else html(c.text, `${where} description`, out);
    } else if (c.name === 'content:encoded') {
      if (!sawDescription) out.push({ message: 'NeedDescriptionBeforeContent', where, detail: '' });
      html(c.text, `${where} content:encoded`, out);
    } else if (c.name === 'title') {
      if (!c.text.trim()) out.push({ message: 'NotBlank', where, detail: 'title' });
      plainText(xml, c, true, `${where} title`, out);
    } else if (c.name === 'category' || c.name === 'source') {
      plainText(xml, c, true, `${where} ${c.name}`, out);
    } else if (c.name === 'enclosure') {
      if (++enclosures === 2) out.push({ message: 'DuplicateEnclosure', where, detail: '' });
      const a = c.attrs;
      if (!/^https?:\/\//.test(a.url ?? '')) out.push({ message: 'MissingAttribute', where, detail: 'enclosure url' });
      if (!/^\d+$/.test(a.length ?? '')) out.push({ message: 'InvalidIntegerAttribute', where, detail: `enclosure length=${a.length}` });
      if (!MIME.test(a.type ?? '')) out.push({ message: 'InvalidMIMEAttribute', where, detail: `enclosure type=${a.type}` });
    }
  }
}

function atomEntry(xml: string, e: Node, where: string, out: W3cMessage[]): void {
  const construct = (n: Node, name: string) => {
    const type = n.attrs.type ?? 'text';
    if (!n.text.trim() && !n.children.length) out.push({ message: 'NotBlank', where, detail: name });
    else if (type === 'html') html(n.text, `${where} ${name}`, out);
    else if (type === 'text') plainText(xml, n, false, `${where} ${name}`, out, 'ContainsUndeclaredHTML');
  };
  const title = kid(e, 'title');
  const summary = kid(e, 'summary');
  const content = kid(e, 'content');
  if (title) construct(title, 'title');
  if (summary) construct(summary, 'summary');
  if (content) construct(content, 'content');
  if (!summary && !content) out.push({ message: 'MissingTextualContent', where, detail: '' });
  if (!content && !kids(e, 'link').some((l) => (l.attrs.rel ?? 'alternate') === 'alternate')) out.push({ message: 'MissingContentOrAlternate', where, detail: '' });
  for (const l of kids(e, 'link')) if (!l.attrs.href) out.push({ message: 'MissingHref', where, detail: `link rel=${l.attrs.rel}` });
  const source = kid(e, 'source');
  if (source) {
    for (const req of ['id', 'title', 'updated']) if (!kid(source, req)) out.push({ message: 'MissingSourceElement', where, detail: `source lacks ${req}` });
    const st = kid(source, 'title');
    if (st) construct(st, 'source title');
  }
}

/** Every message the rules above give for one RSS 2.0 or Atom 1.0 document. */
export function w3cMessages(xml: string, label = ''): W3cMessage[] {
  const out: W3cMessage[] = [];
  const doc = tree(xml);
  const rss = kid(doc, 'rss');
  if (rss) {
    kids(kid(rss, 'channel'), 'item').forEach((it, i) => rssItem(xml, it, `${label} item ${i}`, out));
    return out;
  }
  const feed = kid(doc, 'feed');
  if (!feed) return [{ message: 'UnknownFormat', where: label, detail: 'no <rss> or <feed> root' }];
  const updated = new Set<string>();
  kids(feed, 'entry').forEach((e, i) => {
    atomEntry(xml, e, `${label} entry ${i}`, out);
    const u = kid(e, 'updated')?.text.trim() ?? '';
    if (updated.has(u)) out.push({ message: 'DuplicateUpdated', where: `${label} entry ${i}`, detail: u });
    updated.add(u);
  });
  return out;
}
