const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function parse(iso: string | undefined): Date | undefined {
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `2026-11-25 09:30 UTC`: the same text whatever the browser's locale. */
export function formatDateTime(iso: string | undefined): string | undefined {
  const date = parse(iso);
  if (!date) return undefined;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3 minutes ago`, `in 5 days`: the largest whole unit. */
export function formatRelative(
  iso: string | undefined,
  now: Date = new Date(),
): string | undefined {
  const date = parse(iso);
  if (!date) return undefined;
  const diff = date.getTime() - now.getTime();
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  if (abs < MINUTE) return diff < 0 ? 'just now' : 'in less than a minute';
  if (abs < HOUR) return rtf.format(Math.trunc(diff / MINUTE), 'minute');
  if (abs < DAY) return rtf.format(Math.trunc(diff / HOUR), 'hour');
  return rtf.format(Math.trunc(diff / DAY), 'day');
}

/** `3 minutes ago (2026-11-25 09:30 UTC)` */
export function formatWhen(
  iso: string | undefined,
  now: Date = new Date(),
): string | undefined {
  const relative = formatRelative(iso, now);
  const absolute = formatDateTime(iso);
  if (!relative || !absolute) return iso;
  return `${relative} (${absolute})`;
}

/** The expiry of a dev cluster, in words. */
export interface ExpiryText {
  /** `expires in 5 days`, `expires in 3 hours`, `expired 2 days ago` */
  text: string;
  expired: boolean;
  /** less than two days left (or already expired) */
  soon: boolean;
}

export function formatExpiry(
  iso: string | undefined,
  now: Date = new Date(),
): ExpiryText | undefined {
  const date = parse(iso);
  if (!date) return undefined;
  const left = date.getTime() - now.getTime();
  if (left <= 0) {
    const days = Math.round(-left / DAY);
    const ago = days >= 1 ? `${days} day${days === 1 ? '' : 's'} ago` : 'today';
    return { text: `expired ${ago}`, expired: true, soon: true };
  }
  if (left < DAY) {
    const hours = Math.max(1, Math.ceil(left / HOUR));
    return {
      text: `expires in ${hours} hour${hours === 1 ? '' : 's'}`,
      expired: false,
      soon: true,
    };
  }
  // whole days, rounded: a 7-day cluster ordered a minute ago has 7 days
  const days = Math.round(left / DAY);
  return {
    text: `expires in ${days} day${days === 1 ? '' : 's'}`,
    expired: false,
    soon: left < 2 * DAY,
  };
}

/** The first 7 characters of a commit SHA; other revisions unchanged. */
export function shortCommit(commit: string | undefined): string | undefined {
  if (!commit) return undefined;
  return /^[0-9a-f]{8,}$/i.test(commit) ? commit.slice(0, 7) : commit;
}

/** `group:default/team-payments` → `team-payments`; other namespaces kept. */
export function shortEntityRef(ref: string): string {
  const match = /^(?:[^:/]+:)?(?:([^/]+)\/)?(.+)$/.exec(ref);
  if (!match) return ref;
  const [, namespace, name] = match;
  return namespace && namespace !== 'default' ? `${namespace}/${name}` : name;
}
