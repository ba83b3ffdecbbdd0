/**
 * The packed key set of the quality view's e-mails (engine/key-set.ts): keys numbered in the order
 * first added, found again from a string or from another set's packed arrays, and two different
 * keys never taken for one, even when their hashes are equal.
 */
import { describe, expect, it } from 'vitest';
import { KeySet, hashKey } from '../src/engine/key-set.js';

describe('KeySet', () => {
  it('numbers new keys in order and finds equal ones, past many table and array growths', () => {
    const set = new KeySet();
    const keys = Array.from({ length: 5000 }, (_, i) => `lead${i}@acme.io`.repeat(1 + (i % 7)));
    keys.forEach((k) => expect(set.add(k)).toBe(-1));
    expect(set.size).toBe(keys.length);
    keys.forEach((k, i) => expect(set.add(k)).toBe(i));
    expect(set.size).toBe(keys.length);
    expect(set.key(4321)).toBe(keys[4321]);
    expect(set.add('')).toBe(-1);
    expect(set.add('')).toBe(keys.length);
    expect(set.add('é@ü.de')).toBe(-1);
    expect(set.add('é@ü.de')).toBe(keys.length + 1);
  });

  it('tells apart two keys whose hashes are equal', () => {
    const [a, b] = ['lead2039599@acme.io', 'lead2222382@acme.io']; // of one length, too
    expect(hashKey(a)).toBe(hashKey(b));
    const set = new KeySet();
    expect(set.add(a)).toBe(-1);
    expect(set.add(b)).toBe(-1);
    expect(set.add(b)).toBe(1);
    expect(set.add(a)).toBe(0);
    const other = new KeySet();
    other.add(b);
    expect(other.addPacked(set.pack(), 0)).toBe(-1);
    expect(other.addPacked(set.pack(), 1)).toBe(0);
    expect(other.key(1)).toBe(a);
  });

  it('adds another set\'s packed keys as their strings would be', () => {
    const earlier = new KeySet(), later = new KeySet();
    for (let i = 0; i < 3000; i++) earlier.add(`k${i * 2}`);
    for (let i = 0; i < 3000; i++) later.add(`k${i * 3}`);
    const packed = later.pack();
    earlier.reserve(packed.ends.length, packed.units.length);
    expect(earlier.size).toBe(3000);
    const answers = Array.from({ length: 3000 }, (_, i) => earlier.addPacked(packed, i));
    // k(3i) was in the earlier set when 3i is even and below 6000: as k(3i) = k(2j), its number j = 3i / 2.
    const before = (i: number) => (3 * i) % 2 === 0 && 3 * i < 6000;
    answers.forEach((found, i) => expect(found).toBe(before(i) ? (3 * i) / 2 : -1));
    const added = answers.filter((found) => found === -1).length;
    expect(earlier.size).toBe(3000 + added);
    expect(earlier.add('k3')).toBe(3000);
    expect(earlier.add('k8997')).toBe(3000 + added - 1);
  });

  it('takes another set\'s packed keys as they are, and grows from there', () => {
    const first = new KeySet();
    for (let i = 0; i < 700; i++) first.add(`k${i}`);
    const set = KeySet.fromPacked(first.pack());
    expect(set.size).toBe(700);
    for (let i = 0; i < 700; i++) expect(set.add(`k${i}`)).toBe(i);
    for (let i = 700; i < 2000; i++) expect(set.add(`k${i}`)).toBe(-1);
    expect(set.add('k1999')).toBe(1999);
    expect(set.key(1500)).toBe('k1500');
    expect(KeySet.fromPacked(new KeySet().pack()).add('a')).toBe(-1);
  });
});
