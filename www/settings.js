// The page's own URL keys. Every run setting (its label, help, range and choices) comes from the
// table of settings in Rust (src/config/settings.rs), which the worker hands over as the wasm
// module's settingsSchema(); the page keeps no copy of it. A config from the worker is keyed like
// the URL already (serde names equal the URL keys), so it is the page's settings object as it is.
export const PAGE_KEYS = ['autostart', 'embed', 'controls', 'experiment'];
