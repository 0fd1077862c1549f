/**
 * Text features on real headlines and summaries of the real-feed dev set
 * (test/fixtures/eval/real-dev.jsonl): what counts as evidence, where a
 * headline's segments (and so a source's labels) are cut, what running text
 * says about a word's case, and quoted phrases.
 */
import { describe, expect, it } from 'vitest';
import { evidenceTerm, quotedChunks, segmentsOf, yearsOf } from '../src/features';

const words = (title: string, summary = '') => segmentsOf(title, summary).map((s) => s.tokens.map((t) => t.word));

describe('evidence terms', () => {
  it('drops years, dates, small counts and stop words, and keeps other numbers whole', () => {
    expect(evidenceTerm('2022')).toBeNull();
    expect(evidenceTerm('Tuesday')).toBeNull();
    expect(evidenceTerm('April')).toBeNull();
    expect(evidenceTerm('17')).toBeNull();
    expect(evidenceTerm('the')).toBeNull();
    expect(evidenceTerm('8.2')).toBe('8.2');
    expect(evidenceTerm('3,000')).toBe('3000');
    expect(evidenceTerm('15.5')).toBe('15.5');
    expect(evidenceTerm('S5')).toBe('s5');
  });

  it('cuts words to six letters after light stemming, so spellings and inflections meet', () => {
    expect(new Set(['Zelenskyy', 'Zelensky', 'Zelenskiy'].map(evidenceTerm)).size).toBe(1);
    expect(evidenceTerm('privatisation')).toBe(evidenceTerm('privatise'));
    expect(evidenceTerm('joining')).toBe(evidenceTerm('joins'));
    expect(evidenceTerm('Musk’s'.replace('’', "'"))).toBe(evidenceTerm('Musk'));
  });

  it('names the years of a headline, and not other numbers', () => {
    expect(yearsOf('French presidential election 2022: When is it, how does it work')).toEqual([2022]);
    expect(yearsOf('Reliving How Tiger Woods Won the 1997 Masters')).toEqual([1997]);
    expect(yearsOf('Block is contacting 8.2 million customers; 2020.5 and 12022 are no years')).toEqual([]);
  });
});

describe('segments', () => {
  it('cuts headlines at their labels and summaries at sentences', () => {
    expect(words('Ukraine war: Many more cities like Bucha says President Zelensky')).toEqual([
      ['ukraine', 'war'],
      ['cities', 'bucha', 'president', 'zelensky'],
    ]);
    expect(words("Thomasina Miers' recipe for Greek lamb, tomato and feta orzo | The new flexitarian")).toHaveLength(2);
    expect(words('[Lists & Guides] The 50 Most Anticipated Albums of 2024')).toEqual([['lists', 'guides'], ['anticipated', 'albums']]);
    expect(words('Casting Silver Bullets', 'Comments')).toEqual([['casting', 'silver', 'bullets'], ['comments']]);
  });

  it('keeps a small number that finishes a name ("Channel 4"), and drops it elsewhere', () => {
    expect(words('Channel 4 sale leaves potential buyers in a quandary')[0]).toContain('channel 4');
    expect(words('Windows 11 is getting a redesigned File Explorer with tabs')[0]).toContain('windows 11');
    expect(words('17 Moms Who Outsmarted Their Kids So Good')[0]).not.toContain('17');
    expect(words('The Most Anticipated Tours of Summer 2025')[0]).toEqual(['anticipated', 'tours', 'summer']);
  });

  it('gives series titles that differ only in their numbers one segment key', () => {
    const key = (t: string) => segmentsOf(t, '').at(-1)!.key;
    expect(key('[Lists & Guides] The 41 Most Anticipated Albums of Summer 2024')).toBe(key('[Lists & Guides] The 37 Most Anticipated Albums of Summer 2025'));
    expect(key('[Lists & Guides] The 41 Most Anticipated Albums of Summer 2024')).not.toBe(key('[Lists & Guides] The 50 Most Anticipated Albums of Spring 2024'));
  });

  it('drops a summary that repeats the headline', () => {
    const title = 'NASA to Discuss Final Test Status Today Before Artemis Moon Mission';
    expect(segmentsOf(title, title).filter((s) => s.field === 'summary')).toEqual([]);
  });

  it("reads a word's case only where running text shows it", () => {
    const written = (title: string, summary = '') => Object.fromEntries(segmentsOf(title, summary).flatMap((s) => s.tokens.map((t) => [t.word, t.written])));
    // A sentence-case headline: mid-sentence capitals are names, lowercase words are common.
    const telegraph = written('Cody Ackland pleads guilty to murdering Plymouth teenager Bobbi-Anne McCleod');
    expect(telegraph.plymouth).toBe('upper');
    expect(telegraph.teenager).toBe('lower');
    expect(telegraph.cody).toBeNull(); // the first word says nothing
    // A Title Case headline says nothing; its sentence-case summary does.
    const nyt = written('Elon Musk Joins Twitter Board', 'After becoming Twitter’s largest shareholder, Elon Musk, Tesla’s chief executive, is joining the social media company’s board.');
    expect(nyt.board).toBe('lower');
    expect(nyt.tesla).toBe('upper');
    expect(written('Elon Musk Joins Twitter Board').joins).toBeNull();
  });
});

describe('quoted phrases', () => {
  it('finds quotation marks around phrases, not apostrophes inside words', () => {
    expect(quotedChunks(`Hailey Bieber Shut Down Reports That She's Pregnant: "Leave Me Alone"`)).toEqual([
      ["Hailey Bieber Shut Down Reports That She's Pregnant: ", false],
      ['Leave Me Alone', true],
    ]);
    expect(quotedChunks("Hailey Baldwin Says 'Leave Me Alone' After Grammys Rumor Surfaces").filter(([, q]) => q)).toEqual([['Leave Me Alone', true]]);
    expect(quotedChunks("Elon Musk Is Joining Twitter's Board And He's Already Created A Stir")).toEqual([["Elon Musk Is Joining Twitter's Board And He's Already Created A Stir", false]]);
  });

  it('marks the words inside them', () => {
    const quoted = segmentsOf("Cole Sprouse Explained Why He's \u201cViolently Defensive\u201d Of The Disney Channel's Young Women", '')
      .flatMap((s) => s.tokens)
      .filter((t) => t.quoted)
      .map((t) => t.word);
    expect(quoted).toEqual(['violently', 'defensive']);
  });
});
