// The Security page's return path (Set a PIN sends users without a second factor there and
// expects them back) and the recovery codes' text file.
import { expect, test } from 'vitest';
import {
  recoveryCodesFileName,
  recoveryCodesText,
} from '../../client/src/features/second-factor/lib/recovery-codes.ts';
import { safeReturnPath } from '../../client/src/features/second-factor/lib/return-path.ts';

test('a return path is a path of this app, never another site, the sign-in or the Security page', () => {
  expect(safeReturnPath('/pin?card=ic_123')).toBe('/pin?card=ic_123');
  expect(safeReturnPath('/accounts/acct_1/cards/ic_1')).toBe('/accounts/acct_1/cards/ic_1');
  for (const bad of [
    null,
    '',
    'https://evil.example/pin',
    '//evil.example/pin',
    '/\\evil.example',
    '/\t/evil.example',
    'pin',
    'javascript:alert(1)',
    '/login?redirectTo=/pin',
    '/security',
    '/security?returnTo=/pin',
  ]) {
    expect(safeReturnPath(bad), String(bad)).toBeNull();
  }
});

test('the recovery codes file says whose codes they are and holds each code on its line', () => {
  const codes = ['abcd-efgh', 'ijkl-mnop'];
  const text = recoveryCodesText(codes, {
    email: 'ada@example.com',
    site: 'https://cards.example.com',
    made: new Date('2026-03-04T10:00:00Z'),
  });
  expect(text.split('\n')[0]).toBe('Recovery codes for ada@example.com at https://cards.example.com');
  expect(text).toContain('Made 2026-03-04.');
  expect(text.split('\n')).toEqual(expect.arrayContaining(codes));
  expect(recoveryCodesFileName('https://cards.example.com:8443')).toBe('recovery-codes-cards.example.com-8443.txt');
});
