// The two-month absence (Appendix 6 §11.2 as amended by Order 88/2024): after more than two months
// away the user files a block of their own account. The gateway's session says from which day the
// block was due (`absence_block_due`); the home screen's banner opens the HR form on the user's own
// blocking for a long absence.
import { writable } from 'svelte/store';
import type { ApplicationItem, SessionInfo } from '../backend';

/** Set by the banner's button: the HR form opens on the user's own blocking (long absence). */
export const ownBlockRequested = writable(false);

/**
 * Whether this workstation's applications hold the user's own blocking filed since the previous
 * login and not refused. The list carries the applicant's name, not the ИИН: an application to
 * block someone else of the same name filed here would also hide the banner (the HR officer's
 * staff list still shows the block as due until the operator blocks the account).
 */
export function filedOwnBlock(items: ApplicationItem[], s: SessionInfo): boolean {
  const since = s.previous_login_at ? Date.parse(s.previous_login_at) : 0;
  return items.some(
    (a) => a.action === 'blocking' && a.state !== 'refused' && a.applicant_name === s.user.full_name && Date.parse(a.received_at) > since,
  );
}
