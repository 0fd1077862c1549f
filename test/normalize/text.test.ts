/**
 * Plain text from HTML: block boundaries kept apart, and character references a double-escaping
 * feed left in plain text decoded once more.
 */
import { describe, expect, it } from 'vitest';
import { sanitizeHtml } from '../../src/normalize/html';
import { decodeLeftoverRefs, endBlock, htmlToText } from '../../src/normalize/text';

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

  it('add nothing inline or at the start', () => {
    expect(htmlToText('<p><b>Bold</b> and <i>italic</i></p>')).toBe('Bold and italic');
    expect(endBlock('', 2)).toBe('');
    expect(endBlock('UN  ', 2)).toBe('UN. ');
  });
});

describe('decodeLeftoverRefs', () => {
  it('decodes references left in plain text once more, and only those', () => {
    expect(decodeLeftoverRefs('FCC Says Releasing &#8216;Jokes&#8217; Would &#8216;Harm&#8217; Agency')).toBe('FCC Says Releasing ‘Jokes’ Would ‘Harm’ Agency');
    expect(decodeLeftoverRefs('Add Task &amp; Sub Tasks, I&#039;m A Guest')).toBe("Add Task & Sub Tasks, I'm A Guest");
    expect(decodeLeftoverRefs('AT&T <3 R&D')).toBe('AT&T <3 R&D');
  });
});
