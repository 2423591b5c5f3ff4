import { describe, expect, it } from 'vitest';
import { HIDDEN, redactContactDetails } from './contact-redaction.ts';

describe('redactContactDetails', () => {
  it.each([
    ['mail me at pat.doe@gmail.com please', 'mail me at [contact hidden] please'],
    ['pat (at) gmail (dot) com', `${HIDDEN}`],
    ['call +1 (555) 123-4567 tonight', 'call [contact hidden] tonight'],
    ['my number 555.123.4567', 'my number [contact hidden]'],
    ['text ５５５１２３４５６７', 'text [contact hidden]'],
    ['ping me on wa.me/15551234567', 'ping me on [contact hidden]'],
    ['https://t.me/patdoe works', '[contact hidden] works'],
    ['find me @pat_doe_photo', 'find me [contact hidden]'],
    ['insta: pat.doe.photo', HIDDEN],
    ['my snapchat is patdoe99', `my ${HIDDEN}`],
  ])('hides %j', (input, expected) => {
    const result = redactContactDetails(input);
    expect(result.redacted).toBe(true);
    expect(result.text).toBe(expected);
  });

  it.each([
    'Hi! Are you free on 2026-05-17 for a 3 hour shoot?',
    'Budget is $1,500 for 150 photos',
    'See my portfolio https://example.com/work/2024/05/17',
    'Studio B has 4 softboxes and a 12x20 cyc wall',
    'Meet at 10:30, thanks',
  ])('leaves %j alone', (input) => {
    expect(redactContactDetails(input)).toEqual({ text: input, redacted: false });
  });
});
