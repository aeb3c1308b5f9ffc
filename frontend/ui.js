// Split into forms.js, dialogs.js and widgets.js; view-live.js (branch `fixes` changes it)
// still imports these from here, until it moves to widgets.js.
export { badge, button, emptyState, linkButton, pageHeader, skeleton } from './widgets.js';
