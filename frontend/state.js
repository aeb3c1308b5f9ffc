// In-memory app state. Nothing here is persisted: no tokens or secrets ever
// go to localStorage/sessionStorage; a one-time secret lives only until the
// page shows it and the user dismisses it (or leaves the page).

export const state = {
  /** {id, email, first_name, last_name, created_at} or null when signed out */
  user: null,
  /** {id, key_name, api_key, api_secret, welcome: bool}: a secret to show once */
  pendingSecret: null,
  /** a message for the sign-in page (e.g. "session expired", "account deleted") */
  notice: null,
  /** where to go after signing in again */
  returnTo: null,
};

/** Take (and forget) the one-time secret. */
export function takePendingSecret() {
  const s = state.pendingSecret;
  state.pendingSecret = null;
  return s;
}
