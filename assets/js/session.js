// Who is signed in. The token lives in localStorage so a reload keeps the session.

/** The signed-in user (UserView), or null. */
export let me = null;
/** True while no owner exists: every path leads to the first-run setup. */
export let setupNeeded = false;
export const setMe = (u) => { me = u; };
export const setSetupNeeded = (v) => { setupNeeded = v; };
export const token = () => localStorage.getItem('token');
export const setToken = (v) => localStorage.setItem('token', v);
export const clearToken = () => localStorage.removeItem('token');
export const isStaff = () => me && (me.role === 'admin' || me.role === 'super_admin');
export const isOwner = () => me && me.role === 'super_admin';
