// Styles inside each component's shadow root; appearance variables become --cx-* custom properties.

export const STYLES = `
:host { display: block; }
.root {
  font-family: var(--cx-font-family, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif);
  font-size: var(--cx-font-size-base, 14px);
  color: var(--cx-color-text, #30313d);
  background: var(--cx-color-background, #ffffff);
  line-height: 1.45;
}
.muted { color: var(--cx-color-secondary-text, #6a7383); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button {
  font: inherit; cursor: pointer;
  border-radius: var(--cx-button-border-radius, var(--cx-border-radius, 6px));
  border: 1px solid var(--cx-button-secondary-color-border, var(--cx-color-border, #d5dbe1));
  background: var(--cx-button-secondary-color-background, #ffffff);
  color: var(--cx-button-secondary-color-text, var(--cx-color-text, #30313d));
  padding: var(--cx-button-padding-y, 6px) var(--cx-button-padding-x, 12px);
}
button.primary {
  background: var(--cx-button-primary-color-background, var(--cx-color-primary, #635bff));
  border-color: var(--cx-button-primary-color-border, var(--cx-color-primary, #635bff));
  color: var(--cx-button-primary-color-text, #ffffff);
}
button.danger {
  background: var(--cx-button-danger-color-background, var(--cx-color-danger, #df1b41));
  border-color: var(--cx-button-danger-color-border, var(--cx-color-danger, #df1b41));
  color: var(--cx-button-danger-color-text, #ffffff);
}
button.link {
  border: none; background: none; padding: 0; text-align: left;
  color: var(--cx-action-primary-color-text, var(--cx-color-primary, #635bff));
}
button[disabled] { opacity: 0.6; cursor: default; }
:focus-visible { outline: 2px solid var(--cx-color-primary, #635bff); outline-offset: 2px; }
select, input, textarea {
  font: inherit; color: inherit;
  background: var(--cx-form-background-color, #ffffff);
  border: 1px solid var(--cx-color-border, #d5dbe1);
  border-radius: var(--cx-form-border-radius, var(--cx-border-radius, 6px));
  padding: var(--cx-input-field-padding-y, 4px) var(--cx-input-field-padding-x, 8px);
}
.filters { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
.field { display: flex; flex-direction: column; gap: 2px; }
.field > label { font-weight: 500; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 600; border-bottom: 1px solid var(--cx-color-border, #d5dbe1); padding: 6px 8px; }
td { border-bottom: 1px solid var(--cx-color-border, #ebeef1); padding: var(--cx-table-row-padding-y, 8px) 8px; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: var(--cx-offset-background-color, #f6f8fa); }
.badge {
  display: inline-block; padding: 1px 8px; font-size: 12px; font-weight: 600;
  border-radius: var(--cx-badge-border-radius, 10px);
  background: var(--cx-badge-neutral-color-background, #ebeef1); color: var(--cx-badge-neutral-color-text, #545969);
}
.badge.active { background: var(--cx-badge-success-color-background, #d7f7c2); color: var(--cx-badge-success-color-text, #05690d); }
.badge.inactive { background: var(--cx-badge-warning-color-background, #fcedb9); color: var(--cx-badge-warning-color-text, #a82c00); }
.badge.canceled { background: var(--cx-badge-danger-color-background, #ffe7f2); color: var(--cx-badge-danger-color-text, #b3063d); }
.alert { color: var(--cx-color-danger, #df1b41); margin: 8px 0; }
.status { margin: 8px 0; }
.state { padding: 24px 0; text-align: center; }
.card-view h2 { font-size: 18px; margin: 8px 0; }
.card-view h3 { font-size: 15px; margin: 12px 0 6px; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 8px 0; }
dl.details dt { color: var(--cx-color-secondary-text, #6a7383); }
dl.details dd { margin: 0; }
dl.details ul { margin: 0; padding-left: 1.1em; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
[role="tablist"] { display: flex; gap: 4px; border-bottom: 1px solid var(--cx-color-border, #d5dbe1); margin: 8px 0; }
[role="tab"] { border: none; border-bottom: 2px solid transparent; border-radius: 0; background: none; }
[role="tab"][aria-selected="true"] { border-bottom-color: var(--cx-color-primary, #635bff); color: var(--cx-color-primary, #635bff); }
iframe.card-details { width: 100%; border: 0; height: 120px; display: block; margin: 8px 0; }
fieldset { border: 1px solid var(--cx-color-border, #d5dbe1); border-radius: var(--cx-border-radius, 6px); margin: 8px 0; padding: 8px 12px; }
.limit-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; }
.radio { display: flex; gap: 6px; align-items: center; font-weight: 400; }
dialog {
  border: 1px solid var(--cx-color-border, #d5dbe1);
  border-radius: var(--cx-overlay-border-radius, var(--cx-border-radius, 8px));
  color: var(--cx-color-text, #30313d); background: var(--cx-color-background, #ffffff);
  max-width: 420px;
}
dialog::backdrop { background: var(--cx-overlay-backdrop-color, rgba(0, 0, 0, 0.4)); }
`;
