import {
  formatDateTime,
  formatExpiry,
  formatRelative,
  formatWhen,
  shortCommit,
  shortEntityRef,
} from './format';

const now = new Date('2026-11-25T12:00:00Z');

describe('format', () => {
  it('writes times the same way in every locale', () => {
    expect(formatDateTime('2026-11-20T08:15:42Z')).toBe('2026-11-20 08:15 UTC');
    expect(formatDateTime('not a time')).toBeUndefined();
    expect(formatDateTime(undefined)).toBeUndefined();
  });

  it('says how long ago or ahead, in the largest whole unit', () => {
    expect(formatRelative('2026-11-25T11:59:30Z', now)).toBe('just now');
    expect(formatRelative('2026-11-25T11:57:00Z', now)).toBe('3 minutes ago');
    expect(formatRelative('2026-11-25T09:00:00Z', now)).toBe('3 hours ago');
    expect(formatRelative('2026-11-20T12:00:00Z', now)).toBe('5 days ago');
    expect(formatRelative('2026-11-27T12:00:00Z', now)).toBe('in 2 days');
    expect(formatWhen('2026-11-25T11:57:00Z', now)).toBe(
      '3 minutes ago (2026-11-25 11:57 UTC)',
    );
  });

  it('counts whole days to the expiry, hours on the last day, and says when it passed', () => {
    expect(formatExpiry('2026-11-30T13:00:00Z', now)).toEqual({
      text: 'expires in 5 days',
      expired: false,
      soon: false,
    });
    expect(formatExpiry('2026-11-26T13:00:00Z', now)).toEqual({
      text: 'expires in 1 day',
      expired: false,
      soon: true,
    });
    // a 7-day cluster ordered a minute ago
    expect(formatExpiry('2026-12-02T11:59:00Z', now)?.text).toBe(
      'expires in 7 days',
    );
    expect(formatExpiry('2026-11-25T14:30:00Z', now)?.text).toBe(
      'expires in 3 hours',
    );
    expect(formatExpiry('2026-11-25T11:00:00Z', now)).toEqual({
      text: 'expired today',
      expired: true,
      soon: true,
    });
    expect(formatExpiry('2026-11-23T11:00:00Z', now)?.text).toBe(
      'expired 2 days ago',
    );
  });

  it('shortens commit SHAs and entity refs', () => {
    expect(shortCommit('0123456789abcdef0123')).toBe('0123456');
    expect(shortCommit('main')).toBe('main');
    expect(shortEntityRef('group:default/team-payments')).toBe('team-payments');
    expect(shortEntityRef('user:other/jane')).toBe('other/jane');
    expect(shortEntityRef('team-payments')).toBe('team-payments');
  });
});
