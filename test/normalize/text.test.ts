/**
 * Plain text from HTML: block boundaries kept apart, and character references a double-escaping
 * feed left in plain text decoded once more.
 */
import { describe, expect, it } from 'vitest';
import { sanitizeHtml } from '../../src/normalize/html';
import { decodeLeftoverRefs, htmlToText, PlainText } from '../../src/normalize/text';

describe('block boundaries', () => {
  const guardian = '<ul><li><a href="https://g.example/1">Zelenskiy to give speech at UN</a></li><li><a href="https://g.example/2">‘Barbarians’: Russian troops leave grisly mark</a></li></ul>';

  it('become sentence breaks between list items, paragraphs, headings and line breaks', () => {
    expect(htmlToText(guardian)).toBe('Zelenskiy to give speech at UN. ‘Barbarians’: Russian troops leave grisly mark');
    expect(sanitizeHtml(guardian, { base: null }).text).toBe('Zelenskiy to give speech at UN. ‘Barbarians’: Russian troops leave grisly mark');
    expect(htmlToText('<h2>Live</h2><p>First.</p><p>Second</p>Third<br>Fourth')).toBe('Live. First. Second. Third. Fourth');
  });

  it('become spaces between table cells, and after text that already ends a phrase', () => {
    expect(htmlToText('<table><tr><td>Name</td><td>Age</td></tr><tr><td>Ann</td><td>41</td></tr></table>')).toBe('Name Age. Ann 41');
    expect(htmlToText('<p>Includes:</p><ul><li>one,</li><li>two?</li><li>"three."</li><li>four</li></ul>')).toBe('Includes: one, two? "three." four');
    // Scripts without full stops get a space.
    expect(htmlToText('<p>流通纪念币</p><p>最新</p>')).toBe('流通纪念币 最新');
  });

  it('add nothing inline or at the start, and put the full stop right after the word', () => {
    expect(htmlToText('<p><b>Bold</b> and <i>italic</i></p>')).toBe('Bold and italic');
    const t = new PlainText();
    t.boundary(2);
    t.add('  ');
    t.add('UN  ');
    t.boundary(2);
    t.add(' \n ');
    t.add('Next');
    expect(t.text).toBe('UN. Next');
    // The script of the last letter decides, digits after it included.
    const zh = new PlainText();
    zh.add('币★ 12506930');
    zh.boundary(2);
    zh.add('其中');
    expect(zh.text).toBe('币★ 12506930 其中');
  });
});

describe('decodeLeftoverRefs', () => {
  it('decodes references left in plain text once more, and only those', () => {
    expect(decodeLeftoverRefs('FCC Says Releasing &#8216;Jokes&#8217; Would &#8216;Harm&#8217; Agency')).toBe('FCC Says Releasing ‘Jokes’ Would ‘Harm’ Agency');
    expect(decodeLeftoverRefs('Add Task &amp; Sub Tasks, I&#039;m A Guest')).toBe("Add Task & Sub Tasks, I'm A Guest");
    expect(decodeLeftoverRefs('AT&T <3 R&D')).toBe('AT&T <3 R&D');
  });
});
